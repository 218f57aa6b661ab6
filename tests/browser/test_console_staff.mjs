// The staff page's 停用 / 启用 as an office lives it: a member of its area
// is disabled after a confirmation, the page says what was cut off, the
// member's own console session is refused at once, and enabling them
// says they bind again with a new code. The office has no button for
// itself nor for a member above its role.

import assert from 'node:assert/strict';
import {
	pageFetch, screenshot, signIn, startDaemon, test, waitFor,
} from './harness.mjs';

// The text of the staff table's row of name.
async function row(page, name) {
	return page.$$eval('table tbody tr', (rows, n) => {
		const r = rows.find((x) => x.children[1] && x.children[1].innerText === n);
		return r ? r.innerText : null;
	}, name);
}

// Clicks the button in the row of name.
async function clickIn(page, name) {
	const ok = await page.$$eval('table tbody tr', (rows, n) => {
		const r = rows.find((x) => x.children[1] && x.children[1].innerText === n);
		const b = r && r.querySelector('button');
		if (b) b.click();
		return Boolean(b);
	}, name);
	assert.ok(ok, `no button in the row of ${name}`);
}

test('console_staff_disable', async ({ browser }) => {
	const d = await startDaemon();
	const office = d.addStaff('何主任', 'office', '华光路社区');
	const worker = d.addStaff('贾网格', 'grid_worker', '华光路社区');
	d.addStaff('韩管理', 'admin', '华光路社区');
	const page = await signIn(browser, d, office);
	const theirs = await signIn(browser, d, worker);
	assert.equal((await pageFetch(theirs, 'GET', '/api/v1/session')).status, 200);

	page.on('dialog', (dlg) => dlg.accept());
	await page.goto(d.base + '/admin/staff');
	await waitFor(() => row(page, '贾网格'), undefined, 'the staff table');
	assert.match(await row(page, '贾网格'), /在岗/);
	assert.equal(await page.$$eval('table tbody tr', (rows) => rows
		.filter((r) => ['何主任', '韩管理'].includes(r.children[1].innerText))
		.filter((r) => r.querySelector('button')).length), 0);

	await clickIn(page, '贾网格');
	const said = await waitFor(async () => {
		const s = await page.$eval('#staff-said', (e) => e.innerText);
		return s.trim() ? s : null;
	}, undefined, 'the answer to 停用');
	assert.match(said, /已停用 贾网格：解绑 0 个账号，结束 1 个会话/);
	await waitFor(async () => /已停用/.test(await row(page, '贾网格')), undefined, 'the row marked disabled');
	await screenshot(page, 'console-staff-disabled');
	assert.equal((await pageFetch(theirs, 'GET', '/api/v1/session')).status, 401);
	assert.match(d.cli('audit', 'list', '--action', 'staff disable'), new RegExp(`staff:${office}\\tstaff disable`));

	await clickIn(page, '贾网格');
	await waitFor(async () => /已恢复启用 贾网格/.test(await page.$eval('#staff-said', (e) => e.innerText)),
		10000, 'the answer to 启用');
	await waitFor(async () => /在岗/.test(await row(page, '贾网格')), undefined, 'the row marked active');
	assert.equal((await pageFetch(theirs, 'GET', '/api/v1/session')).status, 401);
});
