// The studio page: draws each build the server sends over /events, and updates the view when the
// email changed. Plain browser JavaScript, no build step: it is served as written.
'use strict';

const $ = (id) => document.getElementById(id);
let state = null;
let token = '';
let view = 'desktop';
// Builds are told apart by the preview run and its version (`run:version`): a restarted preview
// counts from 1 again. `requested` is the build the view was last asked to show.
let requested = null;
// Counts showView calls: one that finds a later one started (a newer build, another tab) leaves the
// view to it, whichever build each was for.
let showing = 0;
let overlayHiddenFor = -1;
let onlyFile = null;

const views = {
  desktop: { src: '/email.html', title: 'The email at desktop width' },
  phone: { src: '/email.html', title: 'The email at phone width, 375 pixels' },
  text: { src: '/email.txt', title: 'The plain-text part' },
  archive: { src: () => `/site/issues/${state.date}/`, title: 'The issue page in the web archive' },
};

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function place(p) {
  return `${p.file}:${p.line}:${p.column}`;
}

function problemItem(p) {
  return element(
    'li',
    { class: p.severity, 'data-code': p.code },
    element(
      'p',
      null,
      element('span', { class: 'severity' }, p.severity),
      ' ',
      element('span', { class: 'where' }, place(p)),
    ),
    element('p', { class: 'message' }, p.message),
    p.hint ? element('p', { class: 'hint' }, p.hint) : null,
    // Focusable: a wide frame scrolls sideways, and keyboard users must reach it.
    p.frame
      ? element('pre', { class: 'frame', tabindex: '0', 'aria-label': `Source around ${place(p)}` }, p.frame)
      : null,
  );
}

function counts(file) {
  if (file.errors)
    return element('span', { class: 'count errors' }, `${file.errors} error${file.errors === 1 ? '' : 's'}`);
  if (file.warnings)
    return element(
      'span',
      { class: 'count warnings' },
      `${file.warnings} warning${file.warnings === 1 ? '' : 's'}`,
    );
  return element('span', { class: 'count clean' }, '✓');
}

/** A file of the issue: pressing it shows only its problems, pressing it again all of them. */
function fileItem(f) {
  const name = f.file.split('/').pop();
  const button = element(
    'button',
    {
      type: 'button',
      class: 'file',
      'aria-pressed': String(onlyFile === f.file),
      title: `Show only the problems in ${name}`,
    },
    element(
      'span',
      null,
      element('span', { class: 'where' }, name),
      element('br'),
      element('span', { class: 'file-kind' }, `${f.kind ? `${f.kind}: ` : ''}${f.title}`),
    ),
    counts(f),
  );
  button.addEventListener('click', () => {
    onlyFile = onlyFile === f.file ? null : f.file;
    for (const other of document.querySelectorAll('#files .file'))
      other.setAttribute('aria-pressed', String(other === button && onlyFile !== null));
    drawProblems();
  });
  return element('li', null, button);
}

function drawProblems() {
  const shown = onlyFile ? state.problems.filter((p) => p.file === onlyFile) : state.problems;
  $('problems-filter').textContent = onlyFile
    ? `Showing ${onlyFile.split('/').pop()} only; press it again for all.`
    : '';
  $('problems').replaceChildren(
    ...(shown.length
      ? shown.map(problemItem)
      : onlyFile
        ? [element('li', { class: 'clean' }, 'No problems in this file.')]
        : []),
  );
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

function draw(next) {
  state = next;
  token = next.token;
  document.body.dataset.version = String(next.version);
  const errors = next.problems.filter((p) => p.severity === 'error');
  const warnings = next.problems.length - errors.length;
  document.title = `${errors.length ? `✖ ${errors.length} · ` : ''}${next.date} · Bulletin preview`;
  $('title').textContent = `Bulletin preview: ${next.date}`;
  $('status').textContent =
    `Built in ${next.ms} ms at ${new Date(next.builtAt).toLocaleTimeString()}${next.stale ? ' · showing the last version without errors' : ''}`;
  $('subject').textContent = next.subject || '(not yet)';
  const size = $('size');
  size.textContent = next.htmlBytes
    ? `Email ${kb(next.htmlBytes)} of Gmail's ${kb(next.clipBytes)} before it clips`
    : '';
  size.classList.toggle('over', Boolean(next.htmlBytes && next.htmlBytes > next.clipBytes * 0.95));

  if (onlyFile && !next.files.some((f) => f.file === onlyFile)) onlyFile = null;
  $('files').replaceChildren(...next.files.map(fileItem));
  $('problem-count').textContent =
    `(${errors.length} error${errors.length === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})`;
  $('later-checks').hidden = !next.stale;
  drawProblems();
  $('links').textContent = linksLine(next.links);

  const select = $('test-list');
  const chosen = select.value;
  select.replaceChildren(...next.lists.map((l) => element('option', { value: l.id }, l.name)));
  if (chosen) select.value = chosen;

  drawRelease(next.release, next.date);
  drawOverlay(errors, next.version, next.stale);
  if (needsShowing(next)) showView();
}

function buildOf(s) {
  return `${s.run}:${s.version}`;
}

/**
 * Whether the view is behind the latest build: nothing asked for yet (a page opened while a file is
 * broken still shows the last good email, once), another preview run (reconnected after a
 * restart: its email may differ whatever its number), or a newer build without errors.
 */
function needsShowing(next) {
  if (!next.hasEmail) return false;
  if (requested === null) return true;
  if (next.run !== requested.split(':')[0]) return true;
  return !next.stale && buildOf(next) !== requested;
}

function linksLine(links) {
  if (links.state === 'offline') return 'Links are not checked over the network (offline).';
  if (links.state === 'checking') return 'Checking links…';
  if (links.state === 'failed') return `The link check did not finish: ${links.reason}`;
  const cached = links.fromCache ? ` (${links.fromCache} answered earlier today)` : '';
  const excluded = links.excluded ? `; ${links.excluded} excluded by linkCheck.exclude` : '';
  return `Links checked: ${links.checked} address${links.checked === 1 ? '' : 'es'}${cached}${excluded}.`;
}

function drawRelease(release, date) {
  const approval = $('approval');
  if (!release) {
    approval.textContent = 'Looking…';
    $('schedules').replaceChildren();
    $('sends').replaceChildren();
    drawClicks(undefined);
    return;
  }
  drawSends(release.sends);
  drawClicks(release.clicks);
  approval.textContent = release.checking
    ? `${release.approval.text} (checking again after your save…)`
    : release.approval.text;
  approval.className = `approval ${release.approval.ok ? 'ok' : release.approval.required ? 'needed' : ''}`;
  const when = new Intl.DateTimeFormat('en-GB', {
    timeZone: release.timezone,
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const rows = release.schedules.map((s) => {
    const at = `${when.format(new Date(s.at))} (${release.timezone})`;
    const line =
      s.state === 'scheduled' ? `${s.list}: scheduled for ${at}` : `${s.list}: ${s.state} (it was due ${at})`;
    // Said before the time comes, not only after: an unapproved issue will wait, not go.
    const warning =
      s.state === 'scheduled' && release.approval.required && !release.approval.ok && !s.detail
        ? ' It will wait, unsent, until the issue is approved as it stands.'
        : '';
    const detail =
      s.state === 'scheduled' && s.detail
        ? ` Waiting: ${s.detail}`
        : s.state === 'running'
          ? ' Sending now.'
          : s.detail
            ? ` ${s.detail}`
            : warning;
    return element(
      'li',
      { class: `schedule ${s.state}` },
      line,
      detail ? element('span', { class: 'hint' }, detail) : null,
    );
  });
  if (rows.length === 0)
    rows.push(
      element(
        'li',
        { class: 'hint' },
        `Not scheduled. To send it later: bulletin schedule ${date} --list ID --at "YYYY-MM-DD HH:MM"`,
      ),
    );
  $('schedules').replaceChildren(...rows);
}

/** What was heard after the send, per list, as `bulletin status` says it: the numbers, then what they call for. */
function drawSends(sends) {
  const rows = sends.map((send) =>
    element(
      'li',
      { class: 'send' },
      send.line,
      ...send.notes.map((note) =>
        element(
          'span',
          { class: `note ${note.level}` },
          `${note.level === 'alert' ? 'Alert' : 'Warning'}: ${note.text}.`,
        ),
      ),
    ),
  );
  if (rows.length === 0) rows.push(element('li', { class: 'hint' }, 'Not sent yet.'));
  $('sends').replaceChildren(...rows);
}

/** The clicks `bulletin stats` counts; nothing at all when the issue has no link table. */
function drawClicks(clicks) {
  const total = $('clicks-total');
  const table = $('clicks');
  total.hidden = table.hidden = !clicks;
  if (!clicks) return;
  total.textContent = `Clicks: ${clicks.readers} by readers, ${clicks.scanners} by mail scanners (not counted as readers).`;
  const rows = clicks.items.map((item) =>
    element(
      'tr',
      {},
      element('th', { scope: 'row' }, item.item ?? "the email's own links"),
      element('td', {}, String(item.readers)),
    ),
  );
  table.tBodies[0].replaceChildren(...rows);
}

function drawOverlay(errors, version, stale) {
  const overlay = $('overlay');
  if (errors.length === 0 || overlayHiddenFor === version) {
    overlay.hidden = true;
    return;
  }
  $('overlay-title').textContent = `The bulletin has ${errors.length} error${errors.length === 1 ? '' : 's'}`;
  $('overlay-note').textContent = stale
    ? 'The preview shows the last version without errors. Fix these and save; this box goes away by itself.'
    : 'The preview shows this version, but it cannot be sent until these are fixed. Fix them and save; this box goes away by itself.';
  $('overlay-errors').replaceChildren(...errors.map(problemItem));
  overlay.hidden = false;
}

/** Reloads the current view, keeping the reader's place in it. */
async function showView() {
  const version = state.version;
  const build = buildOf(state);
  requested = build;
  const ticket = ++showing;
  const overtaken = () => requested !== build || ticket !== showing;
  const chosen = views[view];
  const panel = $('panel');
  panel.className = `panel view-${view}`;
  panel.setAttribute('aria-labelledby', `tab-${view}`);
  const frame = $('frame');
  const text = $('text');
  if (view === 'text') {
    frame.hidden = true;
    text.hidden = false;
    const answer = await fetch(`${chosen.src}?v=${version}`);
    const body = await answer.text();
    // An answer overtaken by a later request (two saves close together) must not land last.
    if (overtaken()) return;
    text.textContent = body;
    markShown(build, version);
    return;
  }
  text.hidden = true;
  frame.hidden = false;
  frame.title = chosen.title;
  const src = typeof chosen.src === 'function' ? chosen.src() : chosen.src;
  if (await updatedInPlace(frame, src, build, version, overtaken)) return;
  if (overtaken()) return;
  let scrollY = 0;
  try {
    scrollY = frame.contentWindow ? frame.contentWindow.scrollY : 0;
  } catch (error) {
    // another origin (a link followed inside the frame): start at the top
    if (error.name !== 'SecurityError') throw error;
  }
  frame.onload = () => {
    try {
      frame.contentWindow.scrollTo(0, scrollY);
    } catch (error) {
      // as above
      if (error.name !== 'SecurityError') throw error;
    }
    markShown(build, version);
  };
  frame.src = `${src}${src.includes('?') ? '&' : '?'}v=${version}`;
}

/**
 * Puts a new build into the document the frame already shows, instead of loading the frame again:
 * the document, its scroll position and its images stay; only the head (when it changed) and the body
 * are swapped. Loading the whole frame was most of a save's time (issue 15). False when the frame holds
 * something else (nothing yet, another view, a page reached by a link), and the caller loads it.
 */
async function updatedInPlace(frame, src, build, version, overtaken) {
  let doc;
  try {
    doc = frame.contentDocument;
  } catch (error) {
    // another origin (a link followed inside the frame): load it afresh
    if (error.name !== 'SecurityError') throw error;
    return false;
  }
  if (doc?.readyState !== 'complete' || !doc.body) return false;
  if (new URL(doc.URL).pathname !== new URL(src, location.href).pathname) return false;
  const win = frame.contentWindow;
  const answer = await fetch(`${src}${src.includes('?') ? '&' : '?'}v=${version}`);
  if (!answer.ok) return false;
  const html = await answer.text();
  // Overtaken by a later build or another tab while fetching: that one is drawn instead.
  if (overtaken()) return true;
  // The frame holds another document now (a page loading, another tab's): parsed under its policy,
  // the studio's or the archive's (style-src 'self'), every inline style of the email is a violation.
  if (frame.contentDocument !== doc || frame.contentWindow !== win) return false;
  // Parsed by the email document's own window, under the email's policy.
  const next = new win.DOMParser().parseFromString(html, 'text/html');
  const [x, y] = [win.scrollX, win.scrollY];
  for (const { name, value } of next.documentElement.attributes)
    doc.documentElement.setAttribute(name, value);
  if (doc.head.innerHTML !== next.head.innerHTML) doc.head.replaceWith(doc.adoptNode(next.head));
  doc.body.replaceWith(doc.adoptNode(next.body));
  win.scrollTo(x, y);
  markShown(build, version);
  return true;
}

function markShown(_build, version) {
  document.body.dataset.shownVersion = String(version);
  // A build that arrived while this one loaded, and was not asked for then, is shown now.
  if (state && needsShowing(state)) showView();
}

function selectTab(button) {
  for (const tab of document.querySelectorAll('[role="tab"]')) {
    const selected = tab === button;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
  }
  view = button.dataset.view;
  requested = null;
  if (state) showView();
}

function wireTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      next.focus();
      selectTab(next);
    });
  }
}

function wireSendTest() {
  const form = $('send-test');
  const result = $('send-result');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const to = $('test-to').value.trim();
    result.classList.remove('failed');
    if (!to) {
      result.textContent = 'Type the address to send the test to.';
      result.classList.add('failed');
      $('test-to').focus();
      return;
    }
    result.textContent = `Sending to ${to}…`;
    try {
      const answer = await fetch('/send-test', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-preview-token': token },
        body: JSON.stringify({ to, list: $('test-list').value }),
      });
      const body = await answer.json();
      result.textContent = body.ok ? `Sent to ${body.address}: ${body.response}` : body.reason;
      result.classList.toggle('failed', !body.ok);
    } catch (error) {
      // fetch rejects (TypeError) when the server is gone; json() (SyntaxError) when something else answered.
      if (!(error instanceof TypeError || error instanceof SyntaxError)) throw error;
      result.textContent = 'The preview did not answer; is `bulletin preview` still running?';
      result.classList.add('failed');
    }
  });
}

function connect() {
  const events = new EventSource('/events');
  events.addEventListener('build', (event) => draw(JSON.parse(event.data)));
  events.addEventListener('error', () => {
    $('status').textContent = 'Disconnected: is `bulletin preview` still running? Retrying…';
  });
}

document.addEventListener('DOMContentLoaded', () => {
  wireTabs();
  wireSendTest();
  $('overlay-hide').addEventListener('click', () => {
    overlayHiddenFor = state ? state.version : -1;
    $('overlay').hidden = true;
  });
  connect();
});
