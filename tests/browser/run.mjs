// Runs every tests/browser/test_*.mjs (or the files named on the command
// line) in one headless Chromium and reports each test in cmocka's words:
// "[ RUN      ] name", "[       OK ] name", "[  FAILED  ] name", then
// "[  PASSED  ] N test(s)." and, when some failed, "[  FAILED  ] N
// test(s), listed below:" — the lines tests/run.sh and tests/summary.sh
// count. A test gets 60 s ($FANGFEI_BROWSER_TEST_TIMEOUT, seconds), the
// run 15 min ($FANGFEI_BROWSER_TIMEOUT); the daemons and Chromium are
// killed by PID whatever happens. Exit status 0 when all passed.
//
// Usage: node tests/browser/run.mjs [tests/browser/test_x.mjs …]
// with FANGFEI_BIN set to the build under test.

import { readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { closeAll, launchBrowser, reaped, registered } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const perTest = 1000 * Number(process.env.FANGFEI_BROWSER_TEST_TIMEOUT || 60);
const whole = 1000 * Number(process.env.FANGFEI_BROWSER_TIMEOUT || 900);

const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => resolve(f)) :
	readdirSync(here).filter((f) => /^test_.*\.mjs$/.test(f)).sort()
		.map((f) => join(here, f));

const failed = [];
let passed = 0;

// Rejects after ms with a message naming what ran out of time.
function deadline(ms, what) {
	let timer;
	const p = new Promise((_, fail) => {
		timer = setTimeout(() => fail(new Error(`${what}: timed out after ${ms / 1000} s`)), ms);
	});
	return { p, clear: () => clearTimeout(timer) };
}

function fail(name, err) {
	console.log(`[  FAILED  ] ${name}`);
	console.log(String(err && err.stack ? err.stack : err).split('\n')
		.map((l) => '    ' + l).join('\n'));
	failed.push(name);
}

// Ends the run: the totals, and the status.
function finish() {
	console.log(`[==========] ${passed + failed.length} test(s) run.`);
	console.log(`[  PASSED  ] ${passed} test(s).`);
	if (failed.length > 0) {
		console.log(`[  FAILED  ] ${failed.length} test(s), listed below:`);
		for (const n of failed) console.log(`[  FAILED  ] ${n}`);
	}
	process.exit(failed.length > 0 ? 1 : 0);
}

const overall = setTimeout(() => {
	fail('browser_run', new Error(`the run took longer than ${whole / 1000} s`));
	finish();	// the exit handler in harness.mjs kills what is left
}, whole);

// A file that does not load counts as one failed test of its name.
for (const f of files) {
	try {
		await import(pathToFileURL(f).href);
	} catch (e) {
		console.log(`[ RUN      ] ${basename(f, '.mjs')}`);
		fail(basename(f, '.mjs'), e);
	}
}

const tests = registered();
console.log(`[==========] Running ${tests.length} browser test(s).`);
let browser = null, pid = 0;
try {
	({ browser, pid } = await launchBrowser());
} catch (e) {
	console.log('[ RUN      ] browser_launch');
	fail('browser_launch', e);
}
if (browser) {
	for (const t of tests) {
		console.log(`[ RUN      ] ${t.name}`);
		const d = deadline(perTest, t.name);
		let err = null;
		try {
			await Promise.race([t.fn({ browser }), d.p]);
		} catch (e) {
			err = e;
		}
		d.clear();
		// A daemon that crashed on the way out fails the test too.
		const left = await closeAll();
		if (!err && left.length > 0) err = left[0];
		if (err) {
			fail(t.name, err);
		} else {
			console.log(`[       OK ] ${t.name}`);
			passed++;
		}
	}
	const d = deadline(10000, 'closing Chromium');
	try { await Promise.race([browser.close(), d.p]); } catch { /* killed below */ }
	d.clear();
	try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
	reaped(pid);
}
clearTimeout(overall);
finish();
