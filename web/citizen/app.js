import { fieldWords } from '/assets/field-names.js';
import { graphql, h, localTime } from '/assets/graphql.js';

// The citizen's data tracker: signs in with the OpenID Connect provider (authorization code + PKCE, no secret in the
// page), then lists the reads of the citizen's data from the audit log, lets them download the proof that a read is in
// the signed log (checked offline with `audit check-proof`) and object to one.
const TEXT = {
  vi: {
    title: 'Theo dõi dữ liệu của tôi',
    other: 'English',
    signOut: 'Đăng xuất',
    signIn: 'Đăng nhập bằng tài khoản định danh',
    intro:
      'Xem cơ quan nào đã đọc dữ liệu cá nhân của bạn, khi nào, cho thủ tục và hồ sơ nào. Nếu bạn phản đối một lượt đọc, hãy báo cáo để thanh tra xem xét.',
    noOidc: 'Chưa cấu hình đăng nhập (OIDC_ISSUER).',
    signedIn: 'Đã đăng nhập',
    agency: 'Cơ quan',
    from: 'Từ ngày',
    to: 'Đến ngày',
    all: 'Tất cả',
    count: (n) => `${n} lượt đọc`,
    none: 'Không có lượt đọc nào khớp bộ lọc.',
    procedure: 'Thủ tục',
    caseNumber: 'Số hồ sơ',
    officer: 'Cán bộ',
    fields: 'Dữ liệu đã đọc',
    auditor: 'Thanh tra',
    more: 'Xem thêm',
    report: 'Báo cáo lượt đọc này',
    reason: 'Lý do bạn phản đối',
    send: 'Gửi khiếu nại',
    cancel: 'Huỷ',
    proof: 'Tải bằng chứng ghi nhận (proof.json)',
    noProof: 'Bằng chứng ghi nhận sẽ có khi nhật ký được ký xác nhận lần tới (vài giây); hãy tải lại trang.',
    reported: (id) => `Đã gửi khiếu nại số ${id}. Thanh tra sẽ xem xét.`,
    expired: 'Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.',
    filters: 'Bộ lọc',
  },
  en: {
    title: 'My data tracker',
    other: 'Tiếng Việt',
    signOut: 'Sign out',
    signIn: 'Sign in with your national identity account',
    intro:
      'See which agency read your personal data, when, and for which procedure and case. If you object to a read, report it and an auditor will review it.',
    noOidc: 'Sign-in is not configured (OIDC_ISSUER).',
    signedIn: 'Signed in',
    agency: 'Agency',
    from: 'From',
    to: 'To',
    all: 'All',
    count: (n) => `${n} reads`,
    none: 'No reads match the filters.',
    procedure: 'Procedure',
    caseNumber: 'Case number',
    officer: 'Officer',
    fields: 'Data read',
    auditor: 'Auditor',
    more: 'Show more',
    report: 'Report this read',
    reason: 'Why you object',
    send: 'Send complaint',
    cancel: 'Cancel',
    proof: 'Download the proof it is logged (proof.json)',
    noProof: 'The proof it is logged is ready once the log is next signed (in seconds); reload the page.',
    reported: (id) => `Complaint ${id} sent. An auditor will review it.`,
    expired: 'Your session has expired; please sign in again.',
    filters: 'Filters',
  },
};
const HISTORY = `query ($after: String, $agency: ID, $from: DateTime, $to: DateTime) { myAccessHistory(first: 50, after: $after, agency: $agency, from: $from, to: $to) {
  events { recordSeq at agency byAuditor officer procedureCode procedureName caseNumber fields complaintId proof { json } } nextCursor agencies { id name } } }`;
const REPORT = 'mutation ($seq: Int!, $reason: String!) { reportAccess(recordSeq: $seq, reason: $reason) { id status } }';
const TOKEN = 'once.citizen.idToken';
const PENDING = 'once.citizen.pkce';

const state = {
  lang: localStorage.getItem('once.lang') === 'en' ? 'en' : 'vi',
  events: [],
  next: null,
  agencies: [],
  filter: { agency: '', from: '', to: '' },
  reported: new Map(),
  message: null,
};
const t = (key, ...args) => {
  const value = TEXT[state.lang][key];
  return typeof value === 'function' ? value(...args) : value;
};
const main = document.getElementById('main');

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
const random = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = () => `${location.origin}/citizen/`;
function claims(token) {
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
}

async function discover(issuer) {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`OpenID discovery: HTTP ${response.status}`);
  return response.json();
}

async function signIn(oidc) {
  const provider = await discover(oidc.issuer);
  const pending = { verifier: random(), state: random(), nonce: random() };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier)));
  const url = new URL(provider.authorization_endpoint);
  for (const [name, value] of Object.entries({
    response_type: 'code',
    client_id: oidc.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }))
    url.searchParams.set(name, value);
  location.assign(url);
}

/** Back from the provider with ?code&state: the code is exchanged for the ID token, checked against what was sent. */
async function finishSignIn(oidc, params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', '/citizen/');
  if (!pending || params.get('state') !== pending.state) throw new Error('Sign-in answer does not match the request (state)');
  const provider = await discover(oidc.issuer);
  const response = await fetch(provider.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') ?? '',
      redirect_uri: redirectUri(),
      client_id: oidc.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error_description ?? `token endpoint: HTTP ${response.status}`);
  if (claims(body.id_token).nonce !== pending.nonce) throw new Error('Sign-in answer does not match the request (nonce)');
  sessionStorage.setItem(TOKEN, body.id_token);
}

const token = () => sessionStorage.getItem(TOKEN);
const asCitizen = (query, variables) => graphql(query, variables, { authorization: `Bearer ${token()}` });

/** The instant a day (YYYY-MM-DD) starts in Vietnam's time zone, `later` days on. */
function dayStart(day, later = 0) {
  const instant = new Date(`${day}T00:00:00+07:00`);
  instant.setUTCDate(instant.getUTCDate() + later);
  return instant.toISOString();
}

/** The next page of reads, filtered by the gateway: the chosen agency, from the first day to the end of the last. */
async function loadHistory() {
  const { filter } = state;
  const { agency, from, to } = filter;
  const { myAccessHistory } = await asCitizen(HISTORY, {
    after: state.next,
    agency: agency || null,
    from: from ? dayStart(from) : null,
    to: to ? dayStart(to, 1) : null,
  });
  // The filters changed while this page was on its way: the load for the new ones replaces it.
  if (filter !== state.filter) return;
  state.events.push(...myAccessHistory.events);
  state.next = myAccessHistory.nextCursor;
  state.agencies = myAccessHistory.agencies;
}

/** Loads the first page again for the filters as they are now; a refusal (a bad date range) is shown by the filters. */
async function applyFilters() {
  state.events = [];
  state.next = null;
  const status = document.getElementById('filter-status');
  status.hidden = true;
  const { filter } = state;
  try {
    await loadHistory();
  } catch (error) {
    if (filter !== state.filter) return;
    status.hidden = false;
    status.textContent = error.message;
  }
  renderList();
}

function filters() {
  const onChange = (key) => (event) => {
    state.filter = { ...state.filter, [key]: event.target.value };
    return applyFilters();
  };
  return h(
    'section',
    { 'aria-labelledby': 'filters' },
    h('h2', { id: 'filters', class: 'visually-hidden' }, t('filters')),
    h(
      'div',
      { class: 'fields' },
      h(
        'div',
        {},
        h('label', { for: 'f-agency' }, t('agency')),
        h(
          'select',
          { id: 'f-agency', onchange: onChange('agency') },
          h('option', { value: '' }, t('all')),
          state.agencies.map(({ id, name }) => h('option', { value: id, selected: id === state.filter.agency }, name)),
        ),
      ),
      h('div', {}, h('label', { for: 'f-from' }, t('from')), h('input', { id: 'f-from', type: 'date', value: state.filter.from, onchange: onChange('from') })),
      h('div', {}, h('label', { for: 'f-to' }, t('to')), h('input', { id: 'f-to', type: 'date', value: state.filter.to, onchange: onChange('to') })),
    ),
    h('p', { id: 'filter-status', class: 'status error', role: 'alert', hidden: true }),
  );
}

function reportForm(event, card) {
  const id = `reason-${event.recordSeq}`;
  const area = h('textarea', { id, required: true, maxlength: 2000, rows: 3 });
  const status = h('p', { role: 'status' });
  const form = h(
    'form',
    {
      class: 'report',
      onsubmit: async (submit) => {
        submit.preventDefault();
        try {
          const { reportAccess } = await asCitizen(REPORT, { seq: event.recordSeq, reason: area.value });
          state.reported.set(event.recordSeq, reportAccess.id);
          card.replaceWith(eventCard(event));
        } catch (error) {
          status.className = 'status error';
          status.textContent = error.message;
        }
      },
    },
    h('label', { for: id }, t('reason')),
    area,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, t('send')),
      h('button', { type: 'button', class: 'secondary', onclick: () => card.replaceWith(eventCard(event)) }, t('cancel')),
    ),
    status,
  );
  return form;
}

/** Saves the read's inclusion proof as proof.json, from memory: no request, nothing the CSP has to allow. */
function downloadProof(event) {
  const url = URL.createObjectURL(new Blob([event.proof.json], { type: 'application/json' }));
  const link = h('a', { href: url, download: 'proof.json', hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser reads the Blob after click() returns; revoked at once, a slow download could find it gone.
  setTimeout(() => URL.revokeObjectURL(url), 40_000);
}

function eventCard(event) {
  const words = fieldWords(event.fields, state.lang);
  const card = h(
    'li',
    { class: `card${event.byAuditor ? ' auditor' : ''}` },
    h('h3', {}, event.agency, ' ', event.byAuditor ? h('span', { class: 'badge' }, t('auditor')) : null),
    h('p', { class: 'meta' }, h('time', { datetime: event.at }, localTime(event.at, state.lang))),
    h('p', {}, h('strong', {}, `${t('procedure')}: `), event.procedureName ?? '', event.procedureCode ? ` (${event.procedureCode})` : ''),
    event.caseNumber ? h('p', {}, h('strong', {}, `${t('caseNumber')}: `), event.caseNumber) : null,
    event.officer ? h('p', {}, h('strong', {}, `${t('officer')}: `), event.officer) : null,
    h('p', { class: 'meta' }, `${t('fields')}:`),
    h(
      'ul',
      { class: 'tags' },
      words.map((word) => h('li', {}, word)),
    ),
    event.proof
      ? h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => downloadProof(event) }, t('proof')))
      : h('p', { class: 'meta' }, t('noProof')),
  );
  const reported = state.reported.get(event.recordSeq) ?? event.complaintId;
  if (reported) card.append(h('p', { class: 'status ok', role: 'status' }, t('reported', reported)));
  else
    card.append(
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            card.lastChild.replaceWith(reportForm(event, card));
            card.querySelector('textarea').focus();
          },
        },
        t('report'),
      ),
    );
  return card;
}

function renderList() {
  const shown = state.events;
  document.getElementById('events')?.replaceChildren(...(shown.length ? shown.map(eventCard) : [h('li', { class: 'status' }, t('none'))]));
  document.getElementById('count').textContent = t('count', state.next ? `${shown.length}+` : shown.length);
  document.getElementById('more').replaceChildren(
    state.next
      ? h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: async () => {
              await loadHistory();
              renderList();
            },
          },
          t('more'),
        )
      : '',
  );
}

function renderSignedIn() {
  const who = claims(token());
  main.replaceChildren(
    h('p', {}, t('intro')),
    h('p', { class: 'meta' }, `${t('signedIn')}: ${who.name ?? ''} (${who.sub})`),
    filters(),
    h('p', { id: 'count', class: 'meta' }),
    h('ul', { id: 'events', class: 'plain', 'aria-label': t('title') }),
    h('div', { id: 'more' }),
  );
  renderList();
}

function renderChrome() {
  document.documentElement.lang = state.lang;
  document.title = `${t('title')} – Once`;
  document.getElementById('title').textContent = t('title');
  const language = document.getElementById('language');
  language.textContent = t('other');
  language.lang = state.lang === 'vi' ? 'en' : 'vi';
  const signOut = document.getElementById('sign-out');
  signOut.textContent = t('signOut');
  signOut.hidden = !token();
}

function renderSignIn(config, message) {
  main.replaceChildren(
    h('p', {}, t('intro')),
    message ? h('p', { class: 'status error', role: 'alert' }, message) : '',
    config.oidc
      ? h('button', { type: 'button', id: 'sign-in', onclick: () => signIn(config.oidc).catch((error) => renderSignIn(config, error.message)) }, t('signIn'))
      : h('p', { class: 'status error' }, t('noOidc')),
  );
}

async function start() {
  const config = await (await fetch('/pages/config.json')).json();
  const render = () => {
    renderChrome();
    if (token()) renderSignedIn();
    else renderSignIn(config, state.message);
  };
  document.getElementById('language').addEventListener('click', () => {
    state.lang = state.lang === 'vi' ? 'en' : 'vi';
    localStorage.setItem('once.lang', state.lang);
    render();
  });
  document.getElementById('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN);
    state.events = [];
    state.next = null;
    render();
  });
  const params = new URLSearchParams(location.search);
  try {
    if (config.oidc && params.has('code')) await finishSignIn(config.oidc, params);
    if (token()) await loadHistory();
  } catch (error) {
    sessionStorage.removeItem(TOKEN);
    state.message = error.code === 'UNAUTHENTICATED' ? t('expired') : error.message;
  }
  render();
}

start();
