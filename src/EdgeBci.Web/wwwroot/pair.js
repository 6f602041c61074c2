// The pairing page: exchanges the unit's one-time code for a session cookie (POST /api/pair), then opens the page.
const form = document.getElementById('pair-form');
const input = document.getElementById('pair-code');
const submit = document.querySelector('[data-testid="pair-submit"]');
const error = document.getElementById('pair-error');
let retryTimer = 0;

function show(message) {
  error.textContent = message;
  error.hidden = !message;
}

function sentence(text) {
  const trimmed = String(text).trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

// Six digits typed in any way ("123456", "123 456", "123-456") become "123-456".
function normalized(text) {
  const digits = text.replace(/\D/g, '');
  return digits.length === 6 ? `${digits.slice(0, 3)}-${digits.slice(3)}` : null;
}

input.addEventListener('input', () => {
  const digits = input.value.replace(/\D/g, '').slice(0, 6);
  const formatted = digits.length > 3 ? `${digits.slice(0, 3)}-${digits.slice(3)}` : digits;
  if (formatted !== input.value) input.value = formatted;
});

function waitBeforeRetry(seconds) {
  let left = Math.max(1, Math.ceil(seconds));
  submit.disabled = true;
  const tick = () => show(`Too many wrong codes. Try again in ${left} s.`);
  tick();
  clearInterval(retryTimer);
  retryTimer = setInterval(() => {
    left -= 1;
    if (left > 0) {
      tick();
      return;
    }
    clearInterval(retryTimer);
    submit.disabled = false;
    show('You can try again now.');
  }, 1000);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = normalized(input.value);
  if (!code) {
    show('The code is six digits, like 123-456.');
    input.focus();
    return;
  }
  submit.disabled = true;
  show('');
  let response;
  let body = {};
  try {
    response = await fetch('/api/pair', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ code }),
    });
    body = await response.json().catch(() => ({}));
  } catch (failure) {
    submit.disabled = false;
    show(`The unit does not answer (${failure.message}).`);
    return;
  }
  if (response.ok) {
    location.replace('/');
    return;
  }
  if (response.status === 429) {
    const retry = body.retryAfterSeconds ?? Number(response.headers.get('Retry-After')) ?? 60;
    waitBeforeRetry(Number.isFinite(retry) && retry > 0 ? retry : 60);
    return;
  }
  submit.disabled = false;
  show(response.status === 401
    ? `${sentence(body.error ?? 'Wrong or expired code')} Check the code on the unit, or run edgebci pair again.`
    : `Pairing failed: ${sentence(body.error ?? `HTTP ${response.status}`)}`);
  input.select();
});
