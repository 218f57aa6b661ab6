// The chat simulator's page: pick a persona, type, and read fangfei's
// answers as a phone shows them. Every text is a text node (never HTML);
// the CSRF token comes from /try/session, since the page holds nothing
// inline.

const PERSONAS = {
	group: { me: '居民', zh: '你是楼栋群里的居民。群里只回答命令，如“查询 鑫源”；举报请私聊。',
	    en: 'You are a resident in a building group: only commands are answered here; tips go in a private chat.' },
	private: { me: '居民', zh: '你在和防非私聊。试试“帮助”“查询 鑫源”“举报 …”。',
	    en: 'You are in a private chat with fangfei. Try 帮助 (help), 查询 (check), 举报 (report).' },
	worker: { me: '网格', zh: '你是练习网格员。试试“帮助”“预警 华光路社区 …”（只预览，不发送）。',
	    en: 'You are a practice grid worker. Try 帮助 (help) and 预警 (warn): previewed, never sent.' },
};

// Each persona's chat, kept for the tab's life (a reload keeps it):
// lines of { who, text }.
const STORE = 'fangfei-try';
const logs = { group: [], private: [], worker: [] };
let persona = 'private';
try {
	const kept = JSON.parse(sessionStorage.getItem(STORE) || 'null');
	if (kept && kept.logs)
		for (const k of Object.keys(logs))
			if (Array.isArray(kept.logs[k]))
				logs[k] = kept.logs[k].filter((x) => x && typeof x.text === 'string');
	if (kept && PERSONAS[kept.persona])
		persona = kept.persona;
} catch (e) { /* nothing kept */ }
let csrf = null;
let busy = false;

const $ = (id) => document.getElementById(id);

// Keeps the chats for a reload.
function keep() {
	try {
		sessionStorage.setItem(STORE, JSON.stringify({ persona, logs }));
	} catch (e) { /* storage full or off: the chat lives in the page */ }
}

// One line of the chat: who is 'me', 'bot', 'sys' or 'err'.
function line(who, text) {
	const li = document.createElement('li');
	li.className = 'msg ' + who;
	if (who === 'me' || who === 'bot') {
		const tag = document.createElement('span');
		tag.className = 'who';
		tag.textContent = who === 'me' ? PERSONAS[persona].me : '防非';
		li.appendChild(tag);
	}
	const b = document.createElement('div');
	b.className = 'bubble';
	b.textContent = text;
	li.appendChild(b);
	return li;
}

// Adds a line to persona p's chat, and shows it when that chat is shown
// (an answer may come after the visitor switched).
function add(who, text, p = persona) {
	logs[p].push({ who, text });
	keep();
	if (p !== persona)
		return;
	const li = line(who, text);
	$('log').appendChild(li);
	li.scrollIntoView({ block: 'end' });
}

// Shows the chosen persona's chat.
function choose(name) {
	persona = name;
	for (const b of document.querySelectorAll('#personas button'))
		b.classList.toggle('on', b.dataset.persona === name);
	$('log').replaceChildren(...logs[name].map((x) => line(x.who, x.text)));
	$('log').scrollTop = $('log').scrollHeight;
	keep();
	if (logs[name].length === 0)
		add('sys', PERSONAS[name].zh + '\n' + PERSONAS[name].en);
	$('text').focus();
}

// A random message id, so that a repeated send is answered once.
function msgid() {
	const a = new Uint8Array(12);
	crypto.getRandomValues(a);
	return Array.from(a, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Sends text as the shown persona and adds the answers to its chat.
async function send(text) {
	const p = persona;
	busy = true;
	$('send').disabled = true;
	add('me', text);
	$('status').textContent = '正在回复… replying…';
	try {
		const r = await fetch('/try/say', {
			method: 'POST',
			credentials: 'same-origin',
			headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
			body: JSON.stringify({ persona: p, text, id: msgid() }),
		});
		const j = await r.json().catch(() => ({}));
		if (!r.ok)
			add('err', j.error || ('出错了 error ' + r.status), p);
		else if (!j.replies || j.replies.length === 0)
			add('sys', '（没有回复：群里的闲聊不回答）(no answer: group chatter is not answered)', p);
		else
			for (const x of j.replies)
				add('bot', x.text, p);
	} catch (e) {
		add('err', '连接失败 connection failed', p);
	}
	$('status').textContent = '';
	busy = false;
	$('send').disabled = false;
}

// Wires the page and asks /try/session for the visitor's token.
async function start() {
	for (const b of document.querySelectorAll('#personas button'))
		b.addEventListener('click', () => choose(b.dataset.persona));
	$('say').addEventListener('submit', (ev) => {
		ev.preventDefault();
		const t = $('text').value.trim();
		if (t === '' || busy || csrf === null)
			return;
		$('text').value = '';
		send(t);
	});
	$('text').addEventListener('keydown', (ev) => {
		if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
			ev.preventDefault();
			$('say').requestSubmit();
		}
	});
	choose(persona);
	try {
		const r = await fetch('/try/session', { credentials: 'same-origin' });
		const j = await r.json().catch(() => ({}));
		if (!r.ok) {
			add('err', j.error || ('出错了 error ' + r.status));
			if (r.status === 403) {
				const a = document.createElement('a');
				a.href = '/admin';
				a.textContent = '登录工作台 sign in';
				$('status').replaceChildren(a);
			}
			return;
		}
		csrf = j.csrf;
		$('text').disabled = false;
		$('send').disabled = false;
		$('text').focus();
	} catch (e) {
		add('err', '连接失败 connection failed');
	}
}

start();
