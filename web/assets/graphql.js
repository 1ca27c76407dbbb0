// One GraphQL request to this gateway. A refusal becomes an Error whose message is the gateway's (it names the
// cause) and whose `code` is its extensions.code.
export async function graphql(query, variables, headers) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw Object.assign(new Error(`HTTP ${response.status}`), { code: 'BAD_RESPONSE' });
  }
  const [error] = body.errors ?? [];
  if (error) throw Object.assign(new Error(error.message), { code: error.extensions?.code ?? 'UNKNOWN' });
  return body.data;
}

/** Element helper: `h('p', { class: 'x' }, 'text', child)`; strings are text, never HTML. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

/** A date-time in the reader's locale, in Vietnam's time zone (the log keeps UTC). */
export function localTime(iso, lang) {
  return new Date(iso).toLocaleString(lang === 'en' ? 'en-GB' : 'vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', dateStyle: 'medium', timeStyle: 'short' });
}
