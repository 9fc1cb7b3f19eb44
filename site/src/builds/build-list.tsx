import { BuildCard } from './build-card.js';
import type { SavedBuild } from './saved-builds.js';

interface Props {
  builds: SavedBuild[];
  token: string;
  onRemove: (build: SavedBuild) => void;
}

/** Every build this browser remembers, newest first. */
export function BuildList({ builds, token, onRemove }: Props) {
  if (!builds.length) {
    return <p class="empty">No builds yet. Paste your requirements and press “Build layer”: the build shows up here, live.</p>;
  }
  return (
    <div class="cards">
      {builds.map((build) => (
        <BuildCard key={`${build.api_url} ${build.build_id}`} saved={build} token={token} onRemove={() => onRemove(build)} />
      ))}
    </div>
  );
}

