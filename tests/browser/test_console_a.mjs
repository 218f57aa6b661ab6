// The overview, the tips ledger and the warnings as a browser lives them:
// the overview's chart draws exactly the figures of /api/v1/overview (a
// practice tip left out), a tip reported in a chat is moved through to
// closed from its page, and a warning is previewed, sent, reaches the
// fake robot and shows as delivered.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
	fakeRobot, pageFetch, screenshot, signIn, startDaemon, test, waitFor,
} from './harness.mjs';

const COMMUNITY = '张店区/车站街道/华光路社区';

// Reports a tip through the demo chat (area 华光路社区); its reference.
async function report(d, n, text) {
	const r = await d.hook('demo', {
		chat_id: 'u' + n, sender_id: 'u' + n, sender_name: '居民',
		text: '举报：' + text, message_id: 'a-' + n,
	});
	assert.equal(r.status, 200);
	const m = /JB-[0-9A-Z-]+/.exec(JSON.stringify(r.body));
	assert.ok(m, 'a tip reference in the answer');
	return m[0];
}

// The data a Chart.js chart on the page draws, by its canvas's id.
async function chartData(page, id) {
	return waitFor(() => page.evaluate((cid) => {
		const c = document.getElementById(cid);
		const ch = c && window.Chart.getChart(c);
		return ch ? { labels: ch.data.labels, sets: ch.data.datasets.map((s) => ({ label: s.label, data: s.data })) } : null;
	}, id), undefined, 'chart ' + id);
}

test('console_a_overview_chart', async ({ browser }) => {
	const d = await startDaemon();
	const head = d.addStaff('李主任', 'office', '张店区');
	await report(d, 1, '某公司在广场推销养老项目，承诺年息20%');
	await report(d, 2, '小区门口有人发传单，高息理财');
	// A practice tip (what the chat simulator makes) counts nowhere.
	const practice = await report(d, 9, '练习：有人推销虚拟货币');
	execFileSync('sqlite3', [join(d.dir, 'fangfei.db'),
		`UPDATE tips SET practice = 1 WHERE ref = '${practice}'`]);
	const page = await signIn(browser, d, head);
	await page.goto(d.base + '/admin/overview');
	const api = (await pageFetch(page, 'GET', '/api/v1/overview')).body;
	assert.equal(api.tips.total, 2);
	const c = await chartData(page, 'chart-tips');
	assert.equal(c.sets.length, api.tips.states.length);
	api.tips.states.forEach((s, i) =>
		assert.deepEqual(c.sets[i].data, api.tips.areas.map((a) => a.counts[s]), s));
	// The table says the same: its last row is the total.
	const sum = await page.$eval('#overview-tips-table tr.sum', (e) => e.innerText);
	assert.match(sum, /\b2\s*$/);
	// Tips of the demo chat are assigned to its community's worker on
	// arrival; they count under their street.
	const street = api.tips.areas.find((a) => a.area === '张店区/车站街道');
	assert.equal(street.total, 2);
	await screenshot(page, 'console-overview');
	assert.equal(api.tips.areas_left_out, 0);
	assert.equal(await page.$('#tips-more'), null);
	// An area with more children than the table holds: the page says
	// how many are not in it, and the totals are still all of them.
	const csv = join(d.dir, 'streets.csv');
	writeFileSync(csv, 'path,households,liaison,phone\n' + Array.from({ length: 70 },
		(_, i) => `张店区/街道${i + 1},0,联络人,0533-0000000`).join('\n') + '\n');
	d.cli('import', 'areas', csv);
	await page.goto(d.base + '/admin/overview');
	const more = (await pageFetch(page, 'GET', '/api/v1/overview')).body;
	assert.ok(more.tips.areas_left_out > 0);
	assert.equal(more.tips.total, 2);
	await page.waitForSelector('#tips-more');
	assert.equal(await page.$eval('#tips-more', (e) => e.innerText),
		`另有 ${more.tips.areas_left_out} 个下级区域未列入上表，合计含全部区域。`);
	assert.match(await page.$eval('#overview-tips-table tr.sum', (e) => e.innerText), /\b2\s*$/);
	// A street worker sees their own subtree only.
	const worker = d.addStaff('王网格', 'grid_worker', COMMUNITY);
	const wp = await signIn(browser, d, worker);
	const w = (await pageFetch(wp, 'GET', '/api/v1/overview')).body;
	assert.equal(w.area, COMMUNITY);
	assert.equal(w.tips.total, 2);
	assert.ok(w.tips.areas.every((a) => a.area === null || a.area.startsWith(COMMUNITY)));
	const bad = await pageFetch(wp, 'GET', '/api/v1/overview?month=2026-13');
	assert.equal(bad.status, 400);
});

test('console_a_tip_to_closed', async ({ browser }) => {
	const d = await startDaemon();
	const head = d.addStaff('李主任', 'office', '张店区');
	const ref = await report(d, 3, '某投资公司拉人头，承诺保本高息');
	const page = await signIn(browser, d, head);
	await page.goto(d.base + '/admin/tips');
	await page.waitForSelector('#tips-table');
	assert.match(await page.$eval('#tips-table', (e) => e.innerText), new RegExp(ref));
	await page.type('#tips-q', '拉人头');
	await page.click('#tips-filter button[type=submit]');
	await waitFor(() => page.url().includes('q='), undefined, 'the filtered list');
	await page.waitForSelector(`a.tip-link[href="/admin/tips/${ref}"]`);
	await page.click(`a.tip-link[href="/admin/tips/${ref}"]`);
	const move = async (name, fill) => {
		await page.waitForSelector('#move-' + name);
		if (fill) await fill();
		const before = await page.$eval('#tip-state', (e) => e.innerText);
		await page.click(`#move-${name} button[type=submit]`);
		await waitFor(async () => {
			const s = await page.$('#tip-state');
			return s && (await s.evaluate((e) => e.innerText)) !== before;
		}, undefined, 'the move ' + name);
	};
	// Assigned on arrival: another assignee may still be picked.
	await page.waitForSelector('#move-assign select[name=assignee]');
	await move('verify');
	await move('confirm', () => page.type('#move-confirm textarea', '现场核实属实'));
	await screenshot(page, 'console-tip');
	await move('dispose', () => page.select('#move-dispose select[name=measure]', 'admonished'));
	await move('close');
	assert.equal(await page.$eval('#tip-detail', (e) => e.dataset.state), 'closed');
	const events = await page.$eval('#tip-events', (e) => e.innerText);
	assert.match(events, /现场核实属实/);
	const tip = (await pageFetch(page, 'GET', `/api/v1/tips/${ref}`)).body;
	assert.equal(tip.state, 'closed');
	assert.equal(tip.measure, 'admonished');
	// The reveal: asked here, never shown here.
	await page.type('#reveal-form input[name=reason]', '核实举报奖励');
	await page.click('#reveal-form button[type=submit]');
	await page.waitForSelector('#reveal .notice.ok');
	assert.match(await page.$eval('#reveal', (e) => e.innerText), /举报人 \d+/);
	await screenshot(page, 'console-tip-closed');
});

test('console_a_warning_delivered', async ({ browser }) => {
	const d = await startDaemon();
	const robot = await fakeRobot();
	const head = d.addStaff('李主任', 'office', '张店区');
	const page = await signIn(browser, d, head);
	const g = await pageFetch(page, 'POST', '/api/v1/groups', { csrf: true, body: {
		name: '华光路社区居民群', kind: 'community', robot: 'dingtalk', webhook: robot.url, area: COMMUNITY,
	} });
	assert.equal(g.status, 201);
	await page.goto(d.base + '/admin/warn');
	// A screenshot's change of viewport reloads the page: the form is
	// filled again after it.
	const preview = async () => {
		await page.waitForSelector('#warn-form');
		await page.type('#warn-text', '警惕以养老为名的高息集资');
		await page.click('#warn-preview-btn');
		await page.waitForSelector('#warn-groups');
		assert.equal(await page.$eval('#warn-groups', (e) => e.innerText), '1');
	};
	await preview();
	await screenshot(page, 'console-warn-preview');
	await preview();
	await page.click('#warn-send');
	await page.waitForSelector('#warn-delivery').catch(async (e) => {
		throw new Error(e.message + ': ' + await page.$eval('#page-warn', (x) => x.innerText));
	});
	await waitFor(() => robot.received.length > 0, undefined, 'the robot reached');
	assert.match(JSON.stringify(robot.received[0]), /高息集资/);
	await page.waitForSelector('#warn-done', { timeout: 15000 });
	assert.equal(await page.$eval('#warn-delivered', (e) => e.innerText), '1');
	assert.equal(await page.$eval('#warn-failed', (e) => e.innerText), '0');
	await screenshot(page, 'console-warn-delivered');
	await page.goto(d.base + '/admin/overview');
	await page.waitForSelector('#bc-delivered');
	assert.equal(await page.$eval('#bc-delivered', (e) => e.innerText), '1');
	// The month's one warning, all of it in the table.
	assert.match(await page.$eval('#overview-broadcasts h2', (e) => e.innerText), /本月预警 1 次/);
	assert.equal(await page.$('#bc-more'), null);
});
