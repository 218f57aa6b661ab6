// The browser tests' harness: a real daemon on a free loopback port with a
// temporary database, a fake robot, Debian's Chromium driven by
// puppeteer-core, sign-in through a one-time link, screenshots at phone and
// desktop sizes, and a small test registry that run.mjs reports in cmocka's
// words (so tests/run.sh and tests/summary.sh count them).
//
// A test file registers its tests and imports only from here:
//
//	import assert from 'node:assert/strict';
//	import { test, startDaemon, signIn, screenshot } from './harness.mjs';
//
//	test('console_auth_sign_in', async ({ browser }) => {
//		const d = await startDaemon();
//		const id = d.addStaff('李主任', 'office', '张店区');
//		const page = await signIn(browser, d, id);
//		await screenshot(page, 'console');
//	});
//
// Daemons, robots, servers and browser contexts a test opens are closed
// when the test ends, passed or failed; a test never has to stop them. A
// daemon that does not exit 0 on SIGTERM (a crash, a sanitizer's report)
// fails the test that started it, with the end of its log.

import { execFileSync, spawn } from 'node:child_process';
import {
	closeSync, mkdtempSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = resolve(ROOT, process.env.FANGFEI_BIN || 'build/fangfei');
const SHOTS = resolve(ROOT, process.env.FANGFEI_ARTEFACTS || 'build/artefacts',
	'screenshots');
// puppeteer-core is installed into the build tree (npm ci --prefix
// build/browser), not next to these files.
const MODULES = resolve(ROOT, process.env.FANGFEI_BROWSER_MODULES || 'build/browser');

// What the running test opened, closed by closeAll() after it.
const open = [];

// Every process this harness started, killed by PID if node exits early.
const pids = new Set();
process.on('exit', () => {
	for (const pid of pids) {
		try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
	}
});

// Registers something to close when the current test ends; a strict
// closer's error fails the test.
function own(closer, strict = false) { open.push({ closer, strict }); }

// Closes what the current test opened, newest first; answers the strict
// closers' errors (others are ignored: closing twice is fine). Called by
// run.mjs.
export async function closeAll() {
	const errors = [];
	while (open.length > 0) {
		const { closer, strict } = open.pop();
		try { await closer(); } catch (e) { if (strict) errors.push(e); }
	}
	return errors;
}

// ---- tests ----

const tests = [];

// test(name, fn): fn({ browser }) is awaited; a throw fails the test.
// Names are file-prefixed by convention (console_auth_…) and unique.
export function test(name, fn) { tests.push({ name, fn }); }

// The registered tests, in order. Used by run.mjs.
export function registered() { return tests; }

// Polls fn until it returns a truthy value or timeout ms pass; returns the
// value. Tests wait on readiness with it, never on a fixed sleep.
export async function waitFor(fn, timeout = 30000, what = 'a condition') {
	const end = Date.now() + timeout;
	for (;;) {
		const v = await fn();
		if (v) return v;
		if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, 50));
	}
}

// ---- the daemon ----

// The config of tests/e2e's, plus delivery to plain-HTTP loopback robots.
function config(dir, extra) {
	return `[server]
listen = 127.0.0.1:0
hotline = 0533-12345
public_base_url = http://127.0.0.1:8080
threads = 2
log_level = info
[storage]
path = ${dir}/fangfei.db
[delivery]
allow_http = on
allow_private_targets = on
[channel.demo]
type = generic
area = 华光路社区
allow_unsigned = on
[channel.en]
type = generic
locale = en
allow_unsigned = on
${extra || ''}`;
}

// startDaemon({ extra, env }): a temp dir with fangfei.ini (extra is
// appended: more sections), the demo areas and enterprises imported, and
// `fangfei serve` on a free port. env is added to the daemon's and the
// CLI's environment (FANGFEI_NOW, …). Answers:
//   base        http://127.0.0.1:PORT
//   dir         the temp dir (fangfei.ini, fangfei.db, serve.log)
//   cli(...args[, { env }])   runs $FANGFEI_BIN args --config …; its stdout
//               (throws on a non-zero exit, with stderr in the message)
//   addStaff(name, role, area)   `staff add`; the new staff id
//   loginLink(staffId[, { env }])   a one-time link's path (/admin/login?t=…)
//   hook(channel, json)   POST /hook/NAME; { status, body } (body parsed
//               when it is JSON)
//   stop()      ends the daemon (SIGTERM, then SIGKILL) and removes dir
//               (kept with FANGFEI_KEEP=1); throws unless it exited 0
export async function startDaemon(opts = {}) {
	const dir = mkdtempSync(join(tmpdir(), 'fangfei-browser-'));
	const conf = join(dir, 'fangfei.ini');
	const env = { ...process.env, ...(opts.env || {}) };
	writeFileSync(conf, config(dir, opts.extra));

	const cli = (...args) => {
		let o = {};
		if (args.length > 0 && typeof args[args.length - 1] === 'object')
			o = args.pop();
		try {
			return execFileSync(BIN, [...args, '--config', conf], {
				env: { ...env, ...(o.env || {}) },
				encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
				timeout: 20000,
			});
		} catch (e) {
			throw new Error(`fangfei ${args.join(' ')}: ${e.stderr || e.message}`);
		}
	};
	cli('import', 'areas', join(ROOT, 'data/demo/areas.csv'));
	cli('import', 'enterprises', join(ROOT, 'data/demo/enterprises.csv'));

	const log = openSync(join(dir, 'serve.log'), 'w');
	const child = spawn(BIN, ['serve', '--config', conf], {
		env, stdio: ['ignore', 'pipe', log],
	});
	closeSync(log);
	pids.add(child.pid);
	const exited = new Promise((r) => child.once('exit', () => {
		pids.delete(child.pid);
		r();
	}));
	const port = await new Promise((ok, fail) => {
		let seen = '';
		const timer = setTimeout(() => fail(new Error('the daemon did not start')), 15000);
		child.stdout.on('data', (b) => {
			seen += b;
			const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(seen);
			if (m) { clearTimeout(timer); ok(Number(m[1])); }
		});
		child.once('exit', (code) => {
			clearTimeout(timer);
			fail(new Error(`the daemon exited (${code}); see ${dir}/serve.log`));
		});
	});
	child.stdout.resume();
	const base = `http://127.0.0.1:${port}`;

	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		let killed = false;
		if (child.exitCode === null && child.signalCode === null) {
			child.kill('SIGTERM');
			const t = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, 5000);
			await exited;
			clearTimeout(t);
		}
		const bad = killed ? 'did not stop within 5 s of SIGTERM' :
			child.exitCode !== 0 ? `exited ${child.exitCode ?? child.signalCode}` : null;
		const tail = bad ? readFileSync(join(dir, 'serve.log'), 'utf8')
			.split('\n').slice(-30).join('\n') : '';
		if (!process.env.FANGFEI_KEEP) rmSync(dir, { recursive: true, force: true });
		if (bad) throw new Error(`the daemon ${bad}; its log ends:\n${tail}`);
	};
	own(stop, true);

	return {
		base, dir, cli, stop,
		addStaff(name, role, area) {
			const out = cli('staff', 'add', '--name', name, '--role', role,
				'--area', area);
			const m = /staff (\d+)/.exec(out);
			if (!m) throw new Error(`staff add: ${out}`);
			return Number(m[1]);
		},
		loginLink(staffId, o = {}) {
			const out = cli('staff', 'login-link', '--id', String(staffId), o);
			const m = /\/admin\/login\?t=[0-9a-f]{64}/.exec(out);
			if (!m) throw new Error('staff login-link printed no link');
			return m[0];
		},
		async hook(channel, json) {
			const r = await fetch(`${base}/hook/${channel}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify(json),
			});
			const text = await r.text();
			let body = text;
			try { body = JSON.parse(text); } catch { /* not JSON */ }
			return { status: r.status, body };
		},
	};
}

// ---- local servers ----

// serve(handler): a node HTTP server on 127.0.0.1, closed with the test;
// { url: 'http://127.0.0.1:PORT', port, server, close() }.
export async function serve(handler) {
	const server = createServer(handler);
	await new Promise((r) => server.listen(0, '127.0.0.1', r));
	const port = server.address().port;
	const close = () => new Promise((r) => {
		server.closeAllConnections();
		server.close(() => r());
	});
	own(close);
	return { url: `http://127.0.0.1:${port}`, port, server, close };
}

// fakeRobot(): a server that answers like a DingTalk robot
// ({"errcode":0,"errmsg":"ok"}). url is a robot webhook for POST
// /api/v1/groups; received[] holds the bodies posted (parsed JSON, or the
// text), with requests[] their { path, headers }.
export async function fakeRobot() {
	const received = [];
	const requests = [];
	const s = await serve((req, res) => {
		let body = '';
		req.setEncoding('utf8');
		req.on('data', (c) => { body += c; });
		req.on('end', () => {
			try { received.push(JSON.parse(body)); } catch { received.push(body); }
			requests.push({ path: req.url, headers: req.headers });
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.end('{"errcode":0,"errmsg":"ok"}');
		});
	});
	return {
		url: `${s.url}/robot/send?access_token=browser-test`,
		received, requests, close: s.close,
	};
}

// ---- the browser ----

// launchBrowser(): Debian's Chromium (or $CHROMIUM), headless, no sandbox
// (tests run as root in containers). Names under .test resolve to
// 127.0.0.1, so a page at http://evil.test:PORT/ is another site than the
// daemon's http://127.0.0.1:PORT. Used by run.mjs; { browser, pid }.
export async function launchBrowser() {
	const puppeteer = createRequire(join(MODULES, 'package.json'))('puppeteer-core');
	const browser = await puppeteer.launch({
		executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
		headless: true,
		args: ['--no-sandbox', '--headless=new', '--disable-gpu',
			'--disable-dev-shm-usage', '--lang=zh-CN',
			'--host-resolver-rules=MAP *.test 127.0.0.1'],
		protocolTimeout: 30000,
	});
	const pid = browser.process()?.pid;
	if (pid) pids.add(pid);
	return { browser, pid };
}

// Forgets a PID the caller has reaped (run.mjs, after browser.close()).
export function reaped(pid) { pids.delete(pid); }

// newPage(browser): a page in a fresh browser context (its own cookies),
// closed with the test; Chinese first, as users see it.
export async function newPage(browser) {
	const ctx = await browser.createBrowserContext();
	own(() => ctx.close());
	const page = await ctx.newPage();
	await page.setExtraHTTPHeaders({ 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.5' });
	page.setDefaultTimeout(15000);
	return page;
}

// signIn(browser, daemon, staffId): a page of its own signed in as the
// staff member: a one-time link from the CLI, its 登录 button, and the
// console's menu showing. The page is at /admin.
export async function signIn(browser, daemon, staffId) {
	const page = await newPage(browser);
	await page.goto(daemon.base + daemon.loginLink(staffId));
	await Promise.all([page.waitForNavigation(), page.click('#signin')]);
	await page.waitForSelector('nav.menu .who');
	return page;
}

// pageFetch(page, method, path, { body, csrf, headers }): fetch() from the
// page itself (its cookies, its origin); { status, body }. csrf: true adds
// the session's X-CSRF-Token (read from /api/v1/session).
export async function pageFetch(page, method, path, o = {}) {
	return page.evaluate(async (m, p, opt) => {
		const headers = { ...(opt.headers || {}) };
		if (opt.csrf) {
			const s = await (await fetch('/api/v1/session')).json();
			headers['X-CSRF-Token'] = s.csrf;
		}
		if (opt.body !== undefined && !headers['Content-Type'])
			headers['Content-Type'] = 'application/json';
		const r = await fetch(p, {
			method: m, headers, credentials: 'same-origin',
			body: opt.body === undefined ? undefined :
				typeof opt.body === 'string' ? opt.body : JSON.stringify(opt.body),
		});
		const text = await r.text();
		let body = text;
		try { body = JSON.parse(text); } catch { /* not JSON */ }
		return { status: r.status, body };
	}, method, path, o);
}

// screenshot(page, name): build/artefacts/screenshots/NAME-phone.png at
// 390x844 and NAME-desktop.png at 1366x900 (full pages), the desktop size
// left in place.
export async function screenshot(page, name) {
	mkdirSync(SHOTS, { recursive: true });
	for (const [kind, width, height, mobile] of [
		['phone', 390, 844, true], ['desktop', 1366, 900, false]]) {
		await page.setViewport({ width, height, isMobile: mobile, hasTouch: mobile });
		await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
		await page.screenshot({ path: join(SHOTS, `${name}-${kind}.png`), fullPage: true });
	}
}
