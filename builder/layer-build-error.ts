/** A build failure whose message is written for the user (what failed, why, what to do). */
export class LayerBuildError extends Error {
  override name = 'LayerBuildError';
}
