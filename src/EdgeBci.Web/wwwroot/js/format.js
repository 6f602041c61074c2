// How numbers and times read on the page (one place, so every view says it the same way).

export function percent(fraction, digits = 0) {
  return fraction === null || fraction === undefined || Number.isNaN(fraction) ? '–' : `${(fraction * 100).toFixed(digits)} %`;
}

/** 754.2 → "12:34". */
export function minutesSeconds(seconds) {
  const whole = Math.max(0, Math.round(seconds ?? 0));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

export function kiloohms(value) {
  if (value === null || value === undefined) return 'not measured';
  return value >= 100 ? `${value.toFixed(0)} kΩ` : `${value.toFixed(1)} kΩ`;
}

export function microvolts(value) {
  return value === null || value === undefined ? '–' : value.toFixed(1);
}

export function dateTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function time(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString(undefined, { timeStyle: 'short' });
}

/** A scale that reads well: 1, 2 or 5 times a power of ten, at least the value. */
export function niceCeiling(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const mantissa = value / power;
  return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * power;
}
