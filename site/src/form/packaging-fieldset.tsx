interface Props {
  singleFile: boolean;
  onChange: (singleFile: boolean) => void;
}

/** Combined (one zip per architecture) or individual (one zip per requested package). */
export function PackagingFieldset({ singleFile, onChange }: Props) {
  return (
    <fieldset class="field">
      <legend>Zips</legend>
      <div class="choice-column">
        <label class="choice">
          <input type="radio" name="packaging" value="combined" checked={singleFile} onChange={() => onChange(true)} />
          <span>
            Combined <span class="hint">one layer with every package</span>
          </span>
        </label>
        <label class="choice">
          <input type="radio" name="packaging" value="individual" checked={!singleFile} onChange={() => onChange(false)} />
          <span>
            Individual <span class="hint">one layer per requested package</span>
          </span>
        </label>
      </div>
    </fieldset>
  );
}
