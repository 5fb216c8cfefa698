const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1536 → "1.50 KiB". Negative numbers (Harbor's -1) read as "unlimited". */
export function humanSize(bytes: number | null | undefined): string {
  if (bytes == null || Number.isNaN(bytes)) return "-";
  if (bytes < 0) return "Unlimited";
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** sha256:abcdef0123456789… → sha256:abcdef012345 */
export function shortDigest(digest: string | null | undefined): string {
  if (!digest) return "";
  const [algo, hex] = digest.includes(":") ? digest.split(":", 2) : ["", digest];
  return (algo ? algo + ":" : "") + hex.slice(0, 12);
}

/** Harbor's zero time (0001-01-01…) and empty strings mean "never". */
export function formatTime(value: string | null | undefined): string {
  if (!value || value.startsWith("0001-01-01")) return "Never";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return d.toLocaleString();
}

/** Unix seconds, -1 meaning never. */
export function formatExpiry(expiresAt: number | null | undefined): string {
  if (expiresAt == null || expiresAt < 0) return "Never";
  return new Date(expiresAt * 1000).toLocaleString();
}

/** Units offered for storage limits. */
export const QUOTA_UNITS = [
  { label: "MiB", factor: 1024 ** 2 },
  { label: "GiB", factor: 1024 ** 3 },
  { label: "TiB", factor: 1024 ** 4 },
] as const;

/** "1.5" GiB → 1610612736 bytes; NaN for anything that is not a positive number or unit. */
export function quotaToBytes(value: string, unit: string): number {
  const factor = QUOTA_UNITS.find((u) => u.label === unit)?.factor;
  const n = Number(value);
  if (!factor || value.trim() === "" || !Number.isFinite(n) || n <= 0) return NaN;
  return Math.round(n * factor);
}

/** Bytes → the largest unit that shows them as at least 1, e.g. 1073741824 → { value: "1", unit: "GiB" }. */
export function bytesToQuota(bytes: number): { value: string; unit: string } {
  const u = [...QUOTA_UNITS].reverse().find((x) => bytes >= x.factor) ?? QUOTA_UNITS[0];
  return { value: String(Number((bytes / u.factor).toFixed(3))), unit: u.label };
}
