/** A diagnostic of the run, on document offsets (reader.ts converts them to lines and columns once at the end). */
export interface RawDiag {
  code: string;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
  s0: number;
  s1: number;
  related?: { message: string; s0: number; s1: number }[];
}
