// 概览 overview: placeholder until the overview page is written.
import { h, t } from '../lib.js';
export default {
	id: 'overview', zh: '概览', en: 'Overview',
	async render(root) { root.append(h('h1', {}, t('概览', 'Overview'))); },
};
