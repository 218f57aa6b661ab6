// The office's registry pages as a browser lives them: a warning notice
// uploaded as a CSV becomes a draft (its bad row shown) that checks do not
// flag yet, is published, and then the registry's check flags the company;
// an open letter's reach chart draws exactly the figures of its /stats.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	pageFetch, screenshot, signIn, startDaemon, test, waitFor,
} from './harness.mjs';

const KANGSHOU = '91370303MA3C01003L';

// Checks a name on the registry page; the results' text.
async function check(page, d, q) {
	await page.goto(d.base + '/admin/registry');
	await page.waitForSelector('#registry-q');
	await page.$eval('#registry-q', (e) => { e.value = ''; });
	await page.type('#registry-q', q);
	await page.click('#registry-search button[type=submit]');
	return waitFor(async () => {
		const s = await page.$eval('#registry-results', (e) => e.innerText);
		return s.trim() ? s : null;
	}, 10000, 'the check\'s results');
}

test('console_b_notice_from_csv', async ({ browser }) => {
	const d = await startDaemon();
	const head = d.addStaff('李主任', 'office', '张店区');
	const page = await signIn(browser, d, head);
	const csv = join(d.dir, 'notice7.csv');
	writeFileSync(csv, '统一社会信用代码,企业名称,处置措施\n'
		+ `${KANGSHOU},示例·淄博康寿养老服务有限公司,约谈\n`
		+ '91370303MA3C0100XX,,约谈\n');
	assert.doesNotMatch(await check(page, d, '康寿养老'), /第 7 期/);

	await page.goto(d.base + '/admin/notices');
	await page.waitForSelector('#notice-upload');
	const file = await page.$('#notice-file');
	await file.uploadFile(csv);
	await page.type('#notice-issue', '7');
	await page.$eval('#notice-date', (e) => { e.value = '2026-11-30'; });
	await page.type('#notice-title', '第七期风险提示');
	await page.click('#notice-upload button[type=submit]');
	await page.waitForSelector('#notice-detail');
	const draft = await page.$eval('#notice-detail', (e) => e.innerText);
	assert.match(draft, /康寿养老/);
	assert.match(draft, /草稿/);
	// The bad row is shown with its line.
	const errs = await page.$eval('#notice-upload .import-result', (e) => e.innerText);
	assert.match(errs, /拒绝 1 行/);
	await screenshot(page, 'console-notice-draft');
	// A draft flags nothing yet.
	const api = await pageFetch(page, 'GET', `/api/v1/enterprises?q=${KANGSHOU}`);
	assert.equal(api.status, 200);
	assert.equal(api.body.items[0].flagged, false);

	await page.goto(d.base + '/admin/notices');
	await page.waitForSelector('.open-notice');
	await page.click('.open-notice[data-issue="7"]');
	await page.waitForSelector('#publish');
	await page.click('#publish');
	await waitFor(async () => /已发布/.test(await page.$eval('#notice-detail', (e) => e.innerText)),
		10000, 'the notice published');
	await screenshot(page, 'console-notice-published');
	assert.match(await check(page, d, '康寿养老'), /第 7 期/);
	await screenshot(page, 'console-registry');
	const after = await pageFetch(page, 'GET', `/api/v1/enterprises?q=${KANGSHOU}`);
	assert.equal(after.body.items[0].flagged, true);
	assert.equal(after.body.items[0].issue, 7);
});

test('console_b_letter_reach_chart', async ({ browser }) => {
	const d = await startDaemon();
	const head = d.addStaff('李主任', 'office', '张店区');
	const md = join(d.dir, 'letter.md');
	writeFileSync(md, '# 致居民\n\n**高息**就是陷阱。\n');
	d.cli('letter', 'add', '--title', '致居民的一封信', '--issuer', '处非办',
		'--date', '2026-06-15', '--area', '张店区', md);
	d.cli('letter', 'codes', '--id', '1', '--area', '张店区', '--per', 'community');
	// Two phones scan one community's code, one scans another's.
	const codes = execFileSync('sqlite3', [join(d.dir, 'fangfei.db'),
		'SELECT code FROM letter_codes ORDER BY id'], { encoding: 'utf8' })
		.split('\n').filter(Boolean);
	assert.ok(codes.length >= 2, 'codes listed');
	const phone = { 'User-Agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0' };
	for (const [code, n] of [[codes[0], 2], [codes[1], 1]])
		for (let i = 0; i < n; i++) {
			const r = await fetch(`${d.base}/l/${code}`, { headers: phone });
			assert.equal(r.status, 200);
		}
	const page = await signIn(browser, d, head);
	await page.goto(d.base + '/admin/letters/1');
	await page.waitForSelector('#letter-detail canvas');
	const drawn = await waitFor(() => page.$eval('#letter-detail canvas', (c) => {
		const ch = window.Chart && window.Chart.getChart(c);
		return ch ? { labels: ch.data.labels, sets: ch.data.datasets.map((s) => s.data) } : null;
	}), 10000, 'the chart drawn');
	const stats = (await pageFetch(page, 'GET', '/api/v1/letters/1/stats')).body;
	assert.deepEqual(drawn.sets[0], stats.areas.map((a) => a.unique_devices));
	assert.deepEqual(drawn.sets[1], stats.areas.map((a) => a.scans));
	assert.deepEqual(drawn.sets[2], stats.areas.map((a) => a.households));
	// Areas nest (street, community, …): the widest holds all three scans.
	assert.equal(Math.max(...stats.areas.map((a) => a.scans)), 3);
	await screenshot(page, 'console-letter-reach');
});
