// 群与机器人 groups and robots the warnings reach in the caller's area.
import { h, t, api, table } from '../lib.js';

const KINDS = { building: ['楼宇群', 'building'], community: ['社区群', 'community'], grid_worker: ['网格员群', 'grid workers'], police: ['警务群', 'police'] };

export default {
	id: 'groups', zh: '群与机器人', en: 'Groups',
	async render(root) {
		const r = await api('GET', '/groups?limit=100');
		root.append(h('h1', {}, t('群与机器人', 'Groups and robots')), h('section', { class: 'card scroll' }, table([
			{ zh: '名称', en: 'Name', get: (g) => g.name },
			{ zh: '类型', en: 'Kind', get: (g) => KINDS[g.kind] ? t(...KINDS[g.kind]) : g.kind },
			{ zh: '通道', en: 'Channel', get: (g) => g.channel },
			{ zh: '区域', en: 'Area', get: (g) => g.area },
			{ zh: '地址', en: 'Host', get: (g) => g.host || '' },
		], r.items)));
	},
};
