/** Token ids of a character vocabulary: bytes when the vocabulary fits, else 16-bit. */
export type CharIds = Uint8Array | Uint16Array;

/**
 * A character-level vocabulary: the text's distinct Unicode code points (not UTF-16 units, so
 * characters outside the BMP stay whole) in code-point order; a character's id is its rank.
 */
export class CharVocabulary {
  readonly chars: readonly string[];
  private readonly ids: Map<number, number>;

  constructor(chars: readonly string[]) {
    this.chars = [...chars];
    this.ids = new Map();
    for (const [id, char] of this.chars.entries()) {
      const point = char.codePointAt(0);
      if (point === undefined || String.fromCodePoint(point) !== char) {
        throw new Error(
          `dniflow/data: vocabulary entry ${id} (${JSON.stringify(char)}) is not one character`,
        );
      }
      if (this.ids.has(point))
        throw new Error(`dniflow/data: vocabulary lists ${JSON.stringify(char)} twice`);
      this.ids.set(point, id);
    }
    if (this.chars.length > 65536) {
      throw new Error(`dniflow/data: ${this.chars.length} distinct characters do not fit 16-bit ids`);
    }
  }

  /** The sorted distinct characters of `text`. */
  static fromText(text: string): CharVocabulary {
    const points = new Set<number>();
    for (const char of text) points.add(char.codePointAt(0)!);
    return new CharVocabulary([...points].sort((a, b) => a - b).map((point) => String.fromCodePoint(point)));
  }

  get size(): number {
    return this.chars.length;
  }

  /** The id of one character, or -1 when it is not in the vocabulary. */
  idOf(char: string): number {
    return this.ids.get(char.codePointAt(0) ?? -1) ?? -1;
  }

  /** Encodes `text`; `where` names the source in the error for a character outside the vocabulary. */
  encode(text: string, where = 'text'): CharIds {
    const out =
      this.size <= 256 ? new Uint8Array(codePointCount(text)) : new Uint16Array(codePointCount(text));
    let i = 0;
    for (const char of text) {
      const id = this.ids.get(char.codePointAt(0)!);
      if (id === undefined) {
        const point = char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new Error(
          `dniflow/data: ${where}: character ${JSON.stringify(char)} (U+${point}) at offset ${i} is not in the vocabulary`,
        );
      }
      out[i++] = id;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) {
      const char = this.chars[ids[i]];
      if (char === undefined)
        throw new Error(`dniflow/data: id ${ids[i]} is outside the vocabulary of ${this.size}`);
      text += char;
    }
    return text;
  }
}

function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
