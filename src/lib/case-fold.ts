/**
 * The key under which text compares case-insensitively, with Unicode's full case folding rather
 * than ASCII only: "Überlager Süd", "ÜBERLAGER SÜD" and "überlager süd" share one key, and so do
 * "Straße" and "STRASSE". Upper- then lower-casing applies the one-to-many foldings (ß → ss) that
 * lower-casing alone misses; NFC makes composed and decomposed accents equal.
 */
export function foldCase(value: string): string {
  return value.normalize("NFC").toUpperCase().toLowerCase();
}

/** `foldCase` for an optional value. */
export function foldCaseOrNull(value: string | null | undefined): string | null {
  return value == null ? null : foldCase(value);
}
