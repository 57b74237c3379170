// Serialises host messages for the standalone HTML report, where there is no postMessage to carry ArrayBuffers:
// buffers become base64 strings inside a JSON data block. The report page decodes them back and feeds the same
// handler the VS Code panel uses.
import type { HostToWebview } from './messages';

/** Marker object standing in for an ArrayBuffer in the JSON. */
interface EncodedBuffer {
  $b64: string;
}

export function encodeReportMessages(messages: HostToWebview[]): string {
  const json = JSON.stringify(messages, (_key, value: unknown) =>
    value instanceof ArrayBuffer ? { $b64: toBase64(new Uint8Array(value)) } : value,
  );
  // The JSON sits inside <script type="application/json">: escape everything that could end the element or
  // start markup, so workspace text in the data (file names, reasons) can never become HTML.
  return json.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function decodeReportMessages(json: string): unknown[] {
  const parsed: unknown = JSON.parse(json, (_key, value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EncodedBuffer).$b64 === 'string' &&
    Object.keys(value).length === 1
      ? fromBase64((value as EncodedBuffer).$b64)
      : value,
  );
  return Array.isArray(parsed) ? parsed : [];
}

// btoa/atob exist in browsers and Node ≥ 16; chunking keeps String.fromCharCode under the argument limit.
declare function btoa(s: string): string;
declare function atob(s: string): string;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

export function fromBase64(b64: string): ArrayBuffer {
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out.buffer;
}
