import { graphql, h, localTime } from '/assets/graphql.js';

// The auditor's console. It signs in as an auditor client: the API key, officer and case number are kept in this
// tab's sessionStorage only (gone when the tab closes) and sent with every request, which the gateway checks,
// grants and audits like any other. Exports are streamed by the gateway (/audit/export), whole, under the same checks.
const SESSION = 'once.auditor';
const RECORD_FIELDS =
  'seq requestId at principal clientId officer purpose caseNumber operationName operationHash coordinates subjects outcome errorCodes subgraphs sentToSubgraphs durationMs previousHash hash';
const SEARCH = `query ($filter: AuditFilter, $after: String, $first: Int) { auditRecords(filter: $filter, first: $first, after: $after) { records { ${RECORD_FIELDS} } nextCursor } }`;
const VERIFY = `query ($fromSeq: Int, $toSeq: Int) { verifyAuditLog(fromSeq: $fromSeq, toSeq: $toSeq) {
  ok checked logStart logEnd firstBroken { seq kind reason } checkpoint { treeSize at } forks { treeSize rootHashes } warnings } }`;
/** The log is checked in about this many ranges (each one request), so that the page can show how far it is. */
const VERIFY_STEPS = 20;
/** Records in the first range, checked before the size of the log is known; the others are sized from it. */
const FIRST_RANGE = 100;
const COMPLAINT_FIELDS = 'id recordSeq personalId reason status openedAt closedAt closedBy resolution notes { at author note }';
const QUEUE = `query ($status: ComplaintStatus) { complaints(status: $status, first: 100) { complaints { ${COMPLAINT_FIELDS} } } }`;
const NOTE = `mutation ($id: ID!, $note: String!) { noteComplaint(id: $id, note: $note) { ${COMPLAINT_FIELDS} } }`;
const CLOSE = `mutation ($id: ID!, $resolution: String!) { closeComplaint(id: $id, resolution: $resolution) { ${COMPLAINT_FIELDS} } }`;
const OUTCOMES = ['OK', 'PARTIAL', 'DENIED', 'UNAUTHENTICATED', 'REJECTED', 'INVALID', 'FAILED'];

const main = document.getElementById('main');
const search = { filter: {}, records: [], next: null, selected: null };
const session = () => JSON.parse(sessionStorage.getItem(SESSION) ?? 'null');
const bi = (vi, en) => [vi, ' ', h('span', { class: 'gloss', lang: 'en' }, en)];

function auditorHeaders() {
  const { apiKey, officer, caseNumber } = session();
  return { 'x-api-key': apiKey, 'x-once-officer': officer, 'x-once-purpose': 'AUDIT', 'x-once-case': caseNumber };
}

const asAuditor = (query, variables) => graphql(query, variables, auditorHeaders());

function field(id, vi, en, control) {
  control.id = id;
  return h('div', {}, h('label', { for: id }, bi(vi, en)), control);
}

function statusLine(id) {
  return h('p', { id, role: 'status', class: 'status', hidden: true });
}

function say(id, message, kind = '') {
  const line = document.getElementById(id);
  line.hidden = false;
  line.className = `status ${kind}`;
  line.textContent = message;
}

/** Runs `work`, reporting its failure (the gateway's message) on the status line `id`. */
async function attempt(id, work) {
  try {
    await work();
  } catch (error) {
    if (error.code === 'UNAUTHENTICATED') sessionStorage.removeItem(SESSION);
    say(id, `${error.code ? `${error.code}: ` : ''}${error.message}`, 'error');
  }
}

function renderSignIn() {
  document.getElementById('sign-out').hidden = true;
  const apiKey = h('input', { type: 'password', required: true, autocomplete: 'off' });
  const officer = h('input', { required: true, value: 'thanh-tra-01' });
  const caseNumber = h('input', { required: true, value: 'TT-2026-01' });
  main.replaceChildren(
    h(
      'p',
      {},
      bi(
        'Đăng nhập bằng khoá API của cơ quan thanh tra. Khoá chỉ được giữ trong thẻ này (sessionStorage).',
        "Sign in with the audit client's API key; it is kept in this tab only.",
      ),
    ),
    h(
      'form',
      {
        onsubmit: (event) => {
          event.preventDefault();
          sessionStorage.setItem(SESSION, JSON.stringify({ apiKey: apiKey.value.trim(), officer: officer.value.trim(), caseNumber: caseNumber.value.trim() }));
          renderConsole();
        },
      },
      h(
        'div',
        { class: 'fields' },
        field('api-key', 'Khoá API', 'API key', apiKey),
        field('officer', 'Cán bộ thanh tra', 'Officer', officer),
        field('case', 'Số quyết định thanh tra', 'Case number', caseNumber),
      ),
      h('button', { type: 'submit' }, bi('Đăng nhập', 'Sign in')),
    ),
  );
}

function searchForm() {
  const input = (name, type = 'text') => h('input', { name, type });
  const outcome = h(
    'select',
    { name: 'outcome' },
    h('option', { value: '' }, 'Tất cả / all'),
    OUTCOMES.map((value) => h('option', { value }, value)),
  );
  return h(
    'form',
    {
      id: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        const values = Object.fromEntries(new FormData(event.target));
        search.filter = Object.fromEntries(
          Object.entries(values)
            .filter(([, value]) => value !== '')
            .map(([name, value]) => [name, name === 'from' || name === 'to' ? new Date(value).toISOString() : value]),
        );
        search.records = [];
        search.next = null;
        search.selected = null;
        return attempt('search-status', () => loadRecords());
      },
    },
    h(
      'div',
      { class: 'fields' },
      field('q-subject', 'Công dân (số định danh)', 'Citizen ID', input('subject')),
      field('q-client', 'Hệ thống (client)', 'Client', input('clientId')),
      field('q-officer', 'Cán bộ', 'Officer', input('officer')),
      field('q-purpose', 'Mục đích / mã thủ tục', 'Purpose', input('purpose')),
      field('q-outcome', 'Kết quả', 'Outcome', outcome),
      field('q-from', 'Từ', 'From', input('from', 'datetime-local')),
      field('q-to', 'Đến', 'To', input('to', 'datetime-local')),
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, bi('Tìm', 'Search')),
      h('button', { type: 'button', class: 'secondary', onclick: () => attempt('search-status', () => exportRecords('csv')) }, bi('Xuất CSV', 'Export CSV')),
      h(
        'button',
        { type: 'button', class: 'secondary', onclick: () => attempt('search-status', () => exportRecords('ndjson')) },
        bi('Xuất NDJSON', 'Export NDJSON'),
      ),
    ),
  );
}

async function loadRecords() {
  say('search-status', 'Đang tìm… / Searching…');
  const { auditRecords } = await asAuditor(SEARCH, { filter: search.filter, after: search.next, first: 50 });
  search.records.push(...auditRecords.records);
  search.next = auditRecords.nextCursor;
  say('search-status', `${search.records.length} bản ghi / records${search.next ? ' (còn nữa / more)' : ''}`);
  renderRecords();
}

function renderRecords() {
  const cell = (label, ...content) => h('td', { 'data-label': label }, ...content);
  const rows = search.records.map((record) =>
    h(
      'tr',
      { class: record.seq === search.selected?.seq ? 'selected' : '' },
      cell('#', String(record.seq)),
      cell('Thời gian', localTime(record.at, 'vi')),
      cell('Ai', record.principal),
      cell('Cán bộ', record.officer ?? ''),
      cell('Mục đích', record.purpose ?? ''),
      cell('Hồ sơ', record.caseNumber ?? ''),
      cell('Kết quả', record.outcome),
      cell(
        '',
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'aria-label': `Mở bản ghi ${record.seq}`,
            onclick: () => {
              search.selected = record;
              renderRecords();
              document.getElementById('record').focus();
            },
          },
          bi('Mở', 'Open'),
        ),
      ),
    ),
  );
  document.getElementById('records').replaceChildren(
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, 'Bản ghi nhật ký / Audit records'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['#', 'Thời gian', 'Ai', 'Cán bộ', 'Mục đích', 'Hồ sơ', 'Kết quả', ''].map((name) =>
              h('th', { scope: 'col' }, name || h('span', { class: 'visually-hidden' }, 'Mở')),
            ),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
    search.next
      ? h('button', { type: 'button', class: 'secondary', onclick: () => attempt('search-status', () => loadRecords()) }, bi('Trang sau', 'Next page'))
      : '',
  );
  const record = search.selected;
  document.getElementById('record').replaceChildren(
    ...(record
      ? [
          h('h3', {}, `Bản ghi ${record.seq}`, ' ', h('span', { class: 'gloss', lang: 'en' }, `Record ${record.seq}`)),
          h(
            'dl',
            { class: 'record' },
            Object.entries(record).flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, Array.isArray(value) ? value.join(', ') : String(value ?? '—'))]),
          ),
        ]
      : []),
  );
}

/**
 * Every record the current filter finds, as the gateway streams it (no limit), saved as a file; the records received
 * are counted as they arrive.
 */
async function exportRecords(format) {
  say('search-status', 'Đang xuất… / Exporting…');
  const response = await fetch(`/audit/export?${new URLSearchParams({ format, ...search.filter })}`, { headers: auditorHeaders() });
  if (!response.ok) {
    const [error] = (await response.json().catch(() => ({}))).errors ?? [];
    throw Object.assign(new Error(error?.message ?? `HTTP ${response.status}`), { code: error?.extensions?.code ?? 'BAD_RESPONSE' });
  }
  const chunks = [];
  const reader = response.body.getReader();
  const newline = 10;
  // The CSV's first line is its header; records hold no line breaks (the log escapes control characters).
  const header = format === 'csv' ? 1 : 0;
  let lines = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push(read.value);
    for (const byte of read.value) if (byte === newline) lines += 1;
    say('search-status', `Đang xuất… ${lines - header} bản ghi / Exporting… ${lines - header} records`);
  }
  const records = lines - header;
  const url = URL.createObjectURL(new Blob(chunks, { type: response.headers.get('content-type') ?? 'application/octet-stream' }));
  const link = h('a', { href: url, download: `audit-records.${format}`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser reads the Blob after click() returns; revoked at once, a slow download could find it gone.
  setTimeout(() => URL.revokeObjectURL(url), 40_000);
  say('search-status', `Đã xuất ${records} bản ghi (${format.toUpperCase()}) / Exported ${records} records`, 'ok');
}

/**
 * Checks the log in ranges of records, one request each (authenticated, granted and audited like any other), showing
 * the records checked of those the log holds; the last range is open-ended, so that a truncated tail is found too.
 * Stops at the first range that finds a problem, and names it as `audit verify` does.
 */
async function verify() {
  say('verify-status', 'Đang kiểm tra chuỗi băm… / Verifying the log…');
  const warnings = new Set();
  let checked = 0;
  let range = { fromSeq: null, toSeq: FIRST_RANGE };
  for (;;) {
    const { verifyAuditLog: result } = await asAuditor(VERIFY, range);
    checked += result.checked;
    for (const warning of result.warnings) warnings.add(warning);
    if (!result.ok || range.toSeq === null) return showVerification(result, checked, [...warnings]);
    const end = result.logEnd ?? 0;
    const total = result.logEnd === null ? 0 : end - result.logStart + 1;
    say('verify-status', `Đang kiểm tra… ${checked} / ${total} bản ghi / Verifying… ${checked} of ${total} records checked`);
    // The next range starts after the last record checked (or before the first the database holds, after an archive).
    const fromSeq = Math.min(Math.max(range.toSeq, (result.logStart ?? 1) - 1), end) + 1;
    const toSeq = fromSeq + Math.max(FIRST_RANGE, Math.ceil(total / VERIFY_STEPS)) - 1;
    range = { fromSeq, toSeq: toSeq >= end ? null : toSeq };
  }
}

function showVerification(result, checked, warnings) {
  const lines = result.forks.map(
    (fork) =>
      `FORK: hai điểm kiểm tra ${fork.treeSize} bản ghi cùng được ký nhưng khác nhau / two checkpoints of ${fork.treeSize} records signed by the audit key disagree: ${fork.rootHashes.join(' vs ')}`,
  );
  const against = result.checkpoint ? ` (điểm kiểm tra / checkpoint ${result.checkpoint.treeSize}, ${localTime(result.checkpoint.at, 'vi')})` : '';
  const broken = result.firstBroken;
  if (broken)
    lines.unshift(`Nhật ký bị sửa tại bản ghi ${broken.seq} (${broken.kind}) / The log is broken at record ${broken.seq} (${broken.kind}): ${broken.reason}`);
  else if (result.ok) lines.unshift(`Nhật ký toàn vẹn: đã kiểm tra ${checked} bản ghi${against}. / The log is intact: ${checked} records checked.`);
  say('verify-status', lines.join('\n'), result.ok ? 'ok' : 'error');
  // Folded: a witness that holds many lines the audit key did not sign gives as many warnings.
  document.getElementById('verify-warnings').replaceChildren(
    ...(warnings.length
      ? [
          h(
            'details',
            {},
            h('summary', {}, `${warnings.length} cảnh báo / warnings`),
            h(
              'ul',
              { class: 'meta' },
              warnings.map((warning) => h('li', {}, warning)),
            ),
          ),
        ]
      : []),
  );
}

async function loadComplaints() {
  const status = document.getElementById('c-status').value || null;
  const { complaints } = await asAuditor(QUEUE, { status });
  document
    .getElementById('complaints')
    .replaceChildren(
      ...(complaints.complaints.length
        ? complaints.complaints.map(complaintCard)
        : [h('li', { class: 'status' }, bi('Không có khiếu nại.', 'No complaints.'))]),
    );
}

function complaintCard(complaint) {
  const noteId = `note-${complaint.id}`;
  const resolutionId = `resolution-${complaint.id}`;
  const card = h(
    'li',
    { class: 'card' },
    h('h3', {}, `Khiếu nại ${complaint.id}`, ' ', h('span', { class: 'badge' }, complaint.status)),
    h('p', { class: 'meta' }, `${complaint.personalId} · bản ghi / record ${complaint.recordSeq} · ${localTime(complaint.openedAt, 'vi')}`),
    h('p', {}, h('strong', {}, 'Lý do: '), complaint.reason),
    complaint.notes.length
      ? h(
          'ul',
          {},
          complaint.notes.map((note) => h('li', {}, `${localTime(note.at, 'vi')} ${note.author}: ${note.note}`)),
        )
      : null,
    complaint.status === 'CLOSED' ? h('p', {}, h('strong', {}, 'Kết luận: '), `${complaint.resolution} (${complaint.closedBy})`) : null,
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: () => showRecord(complaint) }, bi('Xem bản ghi', 'Open record'))),
  );
  const statusId = `complaint-status-${complaint.id}`;
  if (complaint.status === 'OPEN') {
    const change = (mutation, variables) =>
      attempt(statusId, async () => {
        const data = await asAuditor(mutation, variables);
        card.replaceWith(complaintCard(Object.values(data)[0]));
      });
    const note = h('textarea', { rows: 2, maxlength: 2000 });
    const resolution = h('textarea', { rows: 2, maxlength: 2000 });
    card.append(
      field(noteId, 'Ghi chú', 'Note', note),
      h('button', { type: 'button', onclick: () => change(NOTE, { id: complaint.id, note: note.value }) }, bi('Thêm ghi chú', 'Add note')),
      field(resolutionId, 'Kết luận', 'Resolution', resolution),
      h('button', { type: 'button', onclick: () => change(CLOSE, { id: complaint.id, resolution: resolution.value }) }, bi('Đóng khiếu nại', 'Close')),
    );
  }
  card.append(statusLine(statusId));
  return card;
}

/** The record a complaint is about: the citizen's records are searched until it is found. */
function showRecord(complaint) {
  return attempt('search-status', async () => {
    search.filter = { subject: complaint.personalId };
    search.records = [];
    search.next = null;
    document.querySelector('#search [name=subject]').value = complaint.personalId;
    do await loadRecords();
    while (search.next && !search.records.some((record) => record.seq === complaint.recordSeq));
    search.selected = search.records.find((record) => record.seq === complaint.recordSeq) ?? null;
    renderRecords();
    document.getElementById('record').focus();
  });
}

function renderConsole() {
  const signOut = document.getElementById('sign-out');
  signOut.hidden = false;
  const { officer, caseNumber } = session();
  main.replaceChildren(
    h('p', { class: 'meta' }, `Cán bộ / officer ${officer} · hồ sơ / case ${caseNumber} · mục đích / purpose AUDIT`),
    h(
      'section',
      { 'aria-labelledby': 'h-verify' },
      h('h2', { id: 'h-verify' }, bi('Kiểm tra tính toàn vẹn', 'Verify the log')),
      h('button', { type: 'button', id: 'verify', onclick: () => attempt('verify-status', verify) }, bi('Kiểm tra nhật ký', 'Verify the log')),
      statusLine('verify-status'),
      h('div', { id: 'verify-warnings' }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-complaints' },
      h('h2', { id: 'h-complaints' }, bi('Khiếu nại của công dân', 'Complaints')),
      h(
        'div',
        { class: 'row' },
        field(
          'c-status',
          'Trạng thái',
          'Status',
          h(
            'select',
            { onchange: () => attempt('complaints-status', loadComplaints) },
            h('option', { value: 'OPEN' }, 'OPEN'),
            h('option', { value: 'CLOSED' }, 'CLOSED'),
            h('option', { value: '' }, 'Tất cả / all'),
          ),
        ),
      ),
      statusLine('complaints-status'),
      h('ul', { id: 'complaints', class: 'plain' }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-search' },
      h('h2', { id: 'h-search' }, bi('Tìm bản ghi nhật ký', 'Search the log')),
      searchForm(),
      statusLine('search-status'),
      h('div', { id: 'records' }),
      h('div', { id: 'record', tabindex: '-1' }),
    ),
  );
  return attempt('complaints-status', loadComplaints);
}

document.getElementById('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem(SESSION);
  renderSignIn();
});
if (session()) renderConsole();
else renderSignIn();
