/*
 * The zh-CN and en texts, and their renderer. Chinese is the default; every
 * key has both forms (a unit test checks that no entry is missing).
 */
#include <string.h>

#include "texts.h"
#include "xmalloc.h"

static const struct {
	const char	*zh;
	const char	*en;
} texts[MSG__COUNT] = {
	[MSG_HELP_HEAD] = {
		"防非助手可以为您办理：",
		"fangfei can help you with:" },
	[MSG_HELP_FOOT] = {
		"举报人信息严格保密。防非热线：{hotline}",
		"Reporters' identities are kept confidential. Hotline: {hotline}" },
	[MSG_USAGE_HELP] = {
		"帮助 — 查看本说明",
		"/help — show this list" },
	[MSG_USAGE_CHECK] = {
		"查询 <公司名或统一社会信用代码> — 查询企业是否列入风险警示名单",
		"/check <company name or credit code> — is a company on the warning list?" },
	[MSG_USAGE_REPORT] = {
		"举报 <内容> — 举报非法集资线索（举报人信息保密）",
		"/report <what you saw> — report suspected illegal fundraising (confidential)" },
	[MSG_USAGE_STATUS] = {
		"进度 <编号> — 查询您举报的线索的处理进度",
		"/status <reference> — follow a tip you reported" },
	[MSG_USAGE_CONTACT] = {
		"联系 — 本社区联络员和防非热线",
		"/contact — your area's liaison and the hotline" },
	[MSG_USAGE_LANG] = {
		"语言 <中文|English> — 切换本群或本对话的语言",
		"/lang <zh|en> — switch the language of this chat" },
	[MSG_UNKNOWN_COMMAND] = {
		"没有看懂“{text}”。发送“帮助”查看可以办理的事项。",
		"Sorry, I did not understand \"{text}\". Send /help to see what I can do." },
	[MSG_NEED_ARGS] = {
		"用法：{usage}",
		"Usage: {usage}" },
	[MSG_INTERNAL_ERROR] = {
		"系统暂时无法处理您的请求，请稍后再试。如情况紧急，请拨打防非热线 {hotline}。",
		"We could not handle your request just now; please try again later. "
		"If it is urgent, call the hotline {hotline}." },
	[MSG_CHECK_TOO_SHORT] = {
		"请至少输入两个字的企业名称，或 18 位统一社会信用代码。",
		"Please type at least two characters of the company name, or its "
		"18-character unified social credit code." },
	[MSG_CHECK_TOO_LONG] = {
		"查询内容过长，请只输入企业名称或统一社会信用代码。",
		"That is too long to be a company name; please type only the name "
		"or the credit code." },
	[MSG_CHECK_BAD_CHECK] = {
		"注意：统一社会信用代码 {code} 的校验位不正确（按国家标准应为 {expect}），"
		"请核对是否抄错。以下仍按您输入的代码查询：",
		"Note: the check digit of credit code {code} is wrong (by the national "
		"standard it should be {expect}); please check for a typo. Looked up "
		"as typed:" },
	[MSG_CHECK_BAD_CHAR] = {
		"注意：{code} 含有统一社会信用代码不使用的字母（I、O、Z、S、V），请核对。"
		"以下仍按您输入的代码查询：",
		"Note: {code} contains letters a credit code never uses (I, O, Z, S, "
		"V); please check it. Looked up as typed:" },
	[MSG_CHECK_FOUND] = {
		"查询“{query}”，找到以下企业：",
		"Results for \"{query}\":" },
	[MSG_CHECK_ITEM_FLAGGED] = {
		"{n}. {name}\n   统一社会信用代码：{uscc}\n"
		"   ⚠ 已列入第{issue}期风险警示通告（{date}），处置措施：{measure}",
		"{n}. {name}\n   Credit code: {uscc}\n"
		"   ⚠ On warning notice no. {issue} ({date}); measure taken: {measure}" },
	[MSG_CHECK_ITEM_REGISTRY] = {
		"{n}. {name}\n   统一社会信用代码：{uscc}\n   在企业名录中，目前未列入风险警示通告。",
		"{n}. {name}\n   Credit code: {uscc}\n   In the registry; not on any "
		"warning notice so far." },
	[MSG_CHECK_MORE] = {
		"另有 {more} 家企业匹配，请输入更完整的名称或信用代码。",
		"{more} more companies match; type more of the name or the credit code." },
	[MSG_CHECK_MORE_MANY] = {
		"另有 {more} 家以上企业匹配，请输入更完整的名称或信用代码。",
		"More than {more} other companies match; type more of the name or the "
		"credit code." },
	[MSG_CHECK_NOT_FOUND] = {
		"“{query}”不在本地区的风险企业名单和企业名录中。",
		"\"{query}\" is not on this district's warning list or in its registry." },
	[MSG_CHECK_NOT_SAFE] = {
		"未列入名单不代表该企业安全可靠。凡承诺保本、高息、返利的投资，都请先核实。",
		"Not being listed does not mean a company is safe. Check before you "
		"trust any offer of guaranteed, high or rebated returns." },
	[MSG_CHECK_CAUTION] = {
		"⚠ 名称中含有“{word}”等字样。以投资理财名义吸收资金、承诺高回报的，"
		"极可能涉嫌非法集资，请务必警惕。",
		"⚠ The name contains \"{word}\". Offers that take money in the name of "
		"investment or wealth management and promise high returns are a common "
		"form of illegal fundraising: be very careful." },
	[MSG_HOTLINE] = {
		"如有疑问或线索，请拨打防非热线 {hotline}，或发送“举报 <内容>”。",
		"Questions or tips: call the hotline {hotline}, or send /report <what "
		"you saw>." },
	[MSG_MEASURE_ADMONISHED] = { "约谈", "admonished" },
	[MSG_MEASURE_WARNED] = { "警示", "warned" },
	[MSG_MEASURE_PENALTY] = { "行政处罚", "administrative penalty" },
	[MSG_MEASURE_CRIMINAL] = { "刑事立案", "criminal case opened" },
	[MSG_MEASURE_DEREGISTERED] = { "注销/吊销", "deregistered" },
	[MSG_MEASURE_SHUT] = { "关门停业", "shut down" },
	[MSG_MEASURE_LISTED] = { "列入警示", "listed" },
	[MSG_REPORT_EMPTY] = {
		"请在“举报”后写明线索内容，例如：举报 某某公司在小区门口宣传保本高息理财。",
		"Please write what you saw after /report, for example: /report a "
		"company is promoting guaranteed high-interest products at our gate." },
	[MSG_REPORT_TOO_LONG] = {
		"线索内容过长（{len} 字），请控制在 {max} 字以内，可分多条发送。",
		"Your tip is too long ({len} characters); please keep it under {max} "
		"characters, or send it in parts." },
	[MSG_REPORT_OK] = {
		"已收到您的举报线索，编号 {ref}。我们会尽快核查。"
		"举报人信息严格保密。发送“进度 {ref}”可查询处理进度。",
		"Thank you: your tip is recorded as {ref} and will be verified. Your "
		"identity is kept confidential. Send /status {ref} to follow it." },
	[MSG_STATUS_NOT_YOURS] = {
		"没有找到您举报的编号为 {ref} 的线索。只有举报人本人可以查询进度，请核对编号。",
		"No tip {ref} filed by you was found. Only the person who reported a "
		"tip can follow it; please check the reference." },
	[MSG_STATUS_OK] = {
		"线索 {ref}（{date} 提交）当前状态：{status}。最近更新：{updated}。",
		"Tip {ref} (filed {date}) is now: {status}. Last update: {updated}." },
	[MSG_TIP_RECEIVED] = { "已受理，等待核查", "received, awaiting verification" },
	[MSG_TIP_VERIFYING] = { "核查中", "being verified" },
	[MSG_TIP_DISPOSING] = { "处置中", "being dealt with" },
	[MSG_TIP_CLOSED] = { "已办结", "closed" },
	[MSG_TIP_REJECTED] = { "经核查不予立案", "not pursued after verification" },
	[MSG_CONTACT_AREA] = {
		"{area}\n联络员：{liaison}，电话 {phone}\n防非热线：{hotline}",
		"{area}\nLiaison: {liaison}, phone {phone}\nHotline: {hotline}" },
	[MSG_CONTACT_NONE] = {
		"防非热线：{hotline}\n本群尚未关联社区，联络员信息请咨询所在社区。",
		"Hotline: {hotline}\nThis chat is not linked to a community yet; ask "
		"your community office for your liaison." },
	[MSG_LANG_SET] = {
		"已切换为中文。",
		"Language set to English." },
	[MSG_LANG_BAD] = {
		"请发送“语言 中文”或“语言 English”。",
		"Please send /lang zh or /lang en." },
	[MSG_STAFF_ONLY] = {
		"此功能仅限已绑定的工作人员使用。请先向处非办索取绑定码，发送“绑定 <绑定码>”。",
		"This is for registered staff. Ask your office for a bind code and "
		"send /bind <code>." },
	[MSG_USAGE_BIND] = {
		"绑定 <绑定码> — 工作人员绑定本账号",
		"/bind <code> — staff: link this chat account" },
	[MSG_USAGE_BINDGROUP] = {
		"绑定群 <区域> <楼宇群|社区群|网格员群|警务群> — 把本群关联到区域",
		"/bindgroup <area> <building|community|grid_worker|police> — attach "
		"this group to an area" },
	[MSG_USAGE_WARN] = {
		"预警 <区域> <内容> — 向区域内的楼宇群和社区群发布预警",
		"/warn <area> <text> — post a warning to the building and community "
		"groups of an area" },
	[MSG_USAGE_BROADCAST] = {
		"发布情况 <编号> — 查看预警送达情况",
		"/broadcast <id> — delivery of a warning" },
	[MSG_BIND_OK] = {
		"绑定成功：{name}（{role}），负责区域 {area}。发送“帮助”查看工作人员功能。",
		"Bound: {name} ({role}), area {area}. Send /help for staff commands." },
	[MSG_BIND_BAD] = {
		"绑定码无效、已使用或已过期（有效期 24 小时）。请向处非办重新索取。",
		"That code is unknown, used or expired (codes last 24 hours). Ask "
		"your office for a new one." },
	[MSG_BINDGROUP_OK] = {
		"本群已关联到 {area}（{kind}）。",
		"This group is now attached to {area} ({kind})." },
	[MSG_BINDGROUP_PRIVATE] = {
		"请在要关联的群里发送此命令。",
		"Send this in the group you want to attach." },
	[MSG_AREA_UNKNOWN] = {
		"找不到区域“{area}”，或名称对应多个区域。请写完整路径，如 车站街道/华光路社区。",
		"No single area matches \"{area}\". Give its path, e.g. "
		"车站街道/华光路社区." },
	[MSG_AREA_OUTSIDE] = {
		"“{area}”不在您负责的区域 {mine} 内。",
		"\"{area}\" is outside your area {mine}." },
	[MSG_KIND_BAD] = {
		"群类型应为 楼宇群、社区群、网格员群 或 警务群。",
		"The kind must be building, community, grid_worker or police." },
	[MSG_WARN_SENT] = {
		"预警（编号 {id}）已提交，将发送至 {n} 个群。发送“发布情况 {id}”查看送达情况。",
		"Warning {id} queued for {n} groups. Send /broadcast {id} to follow "
		"its delivery." },
	[MSG_WARN_NONE] = {
		"{area} 下没有已关联的楼宇群、社区群或登记的手机号，未发送。",
		"No building or community groups are attached and no phone numbers "
		"are registered under {area}; nothing was sent." },
	[MSG_WARN_SENT_SMS] = {
		"预警（编号 {id}）已提交，将发送至 {n} 个群和 {numbers} 个手机号（短信每号 {parts} 条，"
		"共 {total} 条）。发送“发布情况 {id}”查看送达情况。",
		"Warning {id} queued for {n} groups and {numbers} phone numbers ({parts} "
		"SMS parts each, {total} in all). Send /broadcast {id} to follow its "
		"delivery." },
	[MSG_WARN_BODY_SMS] = {
		"【防范非法集资预警】{text}\n如有线索，请回复“举报 <内容>”，或拨打防非热线 {hotline}。回复TD退订",
		"[Illegal fundraising warning] {text}\nTo report a tip, reply REPORT "
		"<what you saw>, or call {hotline}. Reply STOP to opt out." },
	[MSG_TIP_TELL_ACCEPTED] = {
		"您举报的线索 {ref} 已受理，正在核查。举报人信息严格保密。",
		"Your tip {ref} has been accepted and is being verified. Your "
		"identity stays confidential." },
	[MSG_TIP_TELL_CONFIRMED] = {
		"您举报的线索 {ref} 经核查属实，正在依法处置。感谢您的举报！",
		"Your tip {ref} was verified as true and is being dealt with. "
		"Thank you!" },
	[MSG_TIP_TELL_CLOSED] = {
		"您举报的线索 {ref} 已办结。感谢您对防范非法集资工作的支持。如有新情况，请拨打防非热线 {hotline}。",
		"Your tip {ref} is closed. Thank you for helping against illegal "
		"fundraising. For anything new, call {hotline}." },
	[MSG_TIP_TELL_ASSIGNED] = {
		"新线索 {ref}（{area}）：{text}\n请核查后发送“核查 {ref} <结论>”，或“线索 {ref}”查看详情。",
		"New tip {ref} ({area}): {text}\nVerify it and send /verify {ref} "
		"<finding>, or /tips {ref} for the details." },
	[MSG_TIP_TELL_ESCALATED] = {
		"线索 {ref}（{area}，{state}）已超过办理时限，已升级至您处理：{text}\n发送“线索 {ref}”查看详情。",
		"Tip {ref} ({area}, {state}) is past its deadline and now also "
		"yours: {text}\nSend /tips {ref} for the details." },
	[MSG_TIP_STATE_RECEIVED] = { "待分派", "received" },
	[MSG_TIP_STATE_ASSIGNED] = { "已分派", "assigned" },
	[MSG_TIP_STATE_VERIFYING] = { "核查中", "verifying" },
	[MSG_TIP_STATE_REJECTED] = { "不属实", "rejected" },
	[MSG_TIP_STATE_CONFIRMED] = { "属实待处置", "confirmed" },
	[MSG_TIP_STATE_DISPOSING] = { "处置中", "disposing" },
	[MSG_TIP_STATE_CLOSED] = { "已销号", "closed" },
	[MSG_TIP_CONFIRMED] = { "经核查属实，等待处置", "verified, to be dealt with" },
	[MSG_CAL_MONTH_TITLE] = { "防范非法集资宣传月", "Publicity month" },
	[MSG_CAL_MONTH] = {
		"6月是防范非法集资宣传月。守住钱袋子，护好养老钱：凡是承诺高额回报、保本付息的投资，都要多问一句、多查一下。发送“查询 <公司名>”可查企业是否在风险名单上；有线索请私聊发送“举报 <内容>”，或拨打防非热线 {hotline}。",
		"June is the month against illegal fundraising. Any investment that "
		"promises high, guaranteed returns deserves a second look: send "
		"/check <company> to see whether it is on a warning list, /report "
		"<what you saw> in a private chat, or call {hotline}." },
	[MSG_CAL_DAY_TITLE] = { "防范非法集资集中宣传日", "Publicity day" },
	[MSG_CAL_DAY] = {
		"今天（6月15日）是防范非法集资集中宣传日。非法集资常以养老、理财、投资项目为名，以高息为诱饵。请提醒家中老人：不轻信、不参与、不转发。防非热线 {hotline}。",
		"Today, 15 June, is the publicity day against illegal fundraising. "
		"It often comes dressed as pensions, wealth management or projects, "
		"with high interest as bait. Remind the elderly: do not believe, "
		"join or forward it. Hotline {hotline}." },
	[MSG_CAL_315_TITLE] = { "3·15 消费者权益日", "15 March" },
	[MSG_CAL_315] = {
		"3·15 国际消费者权益日：警惕以“消费返利”“预付卡”“养生保健”为名的集资陷阱。有疑问可发送“查询 <公司名>”，或拨打防非热线 {hotline}。",
		"15 March, consumer rights day: beware of fundraising traps sold as "
		"cash-back, prepaid cards or health products. Send /check <company> "
		"or call {hotline}." },
	[MSG_CAL_515_TITLE] = { "5·15 投资者保护宣传日", "15 May" },
	[MSG_CAL_515] = {
		"5·15 全国投资者保护宣传日：投资请认准持牌机构，远离非法证券、私募和虚拟货币集资。发送“查询 <公司名>”核实，或拨打防非热线 {hotline}。",
		"15 May, investor protection day: invest only with licensed firms, "
		"and stay away from illegal securities, private funds and crypto "
		"schemes. Send /check <company> or call {hotline}." },
	[MSG_CAL_SEPT_TITLE] = { "金融知识普及月", "Financial literacy month" },
	[MSG_CAL_SEPT] = {
		"9月是金融知识普及月：高收益必然伴随高风险，“稳赚不赔”是骗局的信号。有线索请私聊发送“举报 <内容>”，或拨打防非热线 {hotline}。",
		"September is financial literacy month: high returns come with high "
		"risk, and \"never lose\" is the mark of a scam. Report privately "
		"with /report <what you saw>, or call {hotline}." },
	[MSG_CAL_OCT_TITLE] = { "敬老月", "Respect for the elderly month" },
	[MSG_CAL_OCT] = {
		"10月是敬老月：以“养老服务”“养老公寓”“以房养老”为名的集资专盯老人的养老钱。请多陪陪老人，帮他们识破骗局。防非热线 {hotline}。",
		"October is the month of respect for the elderly: schemes sold as "
		"elderly care or pension flats target their savings. Spend time "
		"with them and help them see through it. Hotline {hotline}." },
	[MSG_CAL_DEC_TITLE] = { "宪法宣传周", "Constitution week" },
	[MSG_CAL_DEC] = {
		"宪法宣传周：《防范和处置非法集资条例》规定，任何单位和个人不得组织、参与非法集资，举报有奖、举报人信息保密。有线索请私聊发送“举报 <内容>”，或拨打防非热线 {hotline}。",
		"Constitution week: the regulations on illegal fundraising forbid "
		"organising or joining it, and reward confidential reports. Report "
		"privately with /report <what you saw>, or call {hotline}." },
	[MSG_CAL_PATROL_TITLE] = { "每周巡查提醒", "Weekly patrol" },
	[MSG_CAL_PATROL] = {
		"本周请完成所负责楼栋的防非巡查，每栋发送“巡查 <楼栋> <情况>”记录；发送“巡查记录”查看本周已记录的巡查。",
		"Please patrol your buildings this week and record each with /patrol "
		"<building> <finding>; /patrols shows what you recorded this week." },
	[MSG_SECRET_CHANNEL] = {
		"为保护举报人，此渠道的回复会经消息队列发送，不能在此显示举报人信息。请在即时回复的渠道（如短信、公众号、Telegram 或通用接口）发送本命令。",
		"To protect the reporter, this channel's answers go through a queue "
		"that keeps them, so the identity cannot be shown here. Send this "
		"on a channel that answers at once (SMS, the Official Account, "
		"Telegram or the generic webhook)." },
	[MSG_LEAD_TELL] = {
		"群聊风险提示（{area}，{group}）：出现“{phrase}”等说法：{text}\n请留意核实；如属线索，可在台账中跟进。",
		"Risk words in a group ({area}, {group}): \"{phrase}\": {text}\n"
		"Please look into it." },
	[MSG_LEAD_GROUP_WARNING] = {
		"温馨提示：“保本保息”“高额回报”“稳赚不赔”等说法常见于非法集资，请勿轻信、勿转发。如有线索，请私聊发送“举报 <内容>”，或拨打防非热线 {hotline}。",
		"A reminder: promises like guaranteed returns or high interest are "
		"typical of illegal fundraising. Do not believe or forward them. "
		"To report, message me privately with /report <what you saw>, or "
		"call {hotline}." },
	[MSG_USAGE_OPTOUT] = {
		"退订 — 不再接收群发短信（举报、查询不受影响）",
		"STOP — no more broadcast SMS (you can still report and check)" },
	[MSG_USAGE_OPTIN] = {
		"订阅 — 重新接收群发短信",
		"START — receive broadcast SMS again" },
	[MSG_OPTOUT_OK] = {
		"您已退订防非短信通知，今后不会再收到群发短信；举报、查询仍可使用。回复“订阅”可重新订阅。",
		"You will get no more broadcast SMS from us; you can still report and "
		"check. Reply START to subscribe again." },
	[MSG_OPTIN_OK] = {
		"您已重新订阅防非短信通知。回复“退订”可随时退订。",
		"You will get our broadcast SMS again. Reply STOP to opt out at any "
		"time." },
	[MSG_OPTIN_ALREADY] = {
		"您已在接收防非短信通知。回复“退订”可退订。",
		"You already get our broadcast SMS. Reply STOP to opt out." },
	[MSG_WARN_TOO_LONG] = {
		"预警内容过长（{len} 字），请控制在 {max} 字以内。",
		"The warning is too long ({len} characters); keep it under {max}." },
	[MSG_WARN_LIMIT] = {
		"您在 24 小时内已发布 {n} 条预警，达到每人每日上限 {max} 条，"
		"本条未发出。如确需再发，请联系区防非办公室发布。",
		"You have posted {n} warnings in 24 hours, the limit for one "
		"person is {max}, so this one was not sent. If it must go out, "
		"ask the district office to post it." },
	[MSG_BROADCAST_STATUS] = {
		"预警 {id}：已送达 {sent}，短信待回执 {accepted}，待发送 {pending}，发送中 {sending}，失败 {dead}。",
		"Warning {id}: {sent} delivered, {accepted} SMS awaiting their "
		"delivery report, {pending} waiting, {sending} in flight, {dead} "
		"failed." },
	[MSG_BROADCAST_UNKNOWN] = {
		"没有编号为 {id} 的预警，或不在您的区域内。",
		"No warning {id} in your area." },
	[MSG_WARN_BODY] = {
		"【防范非法集资预警】{text}\n如有线索，请在本群发送“举报 <内容>”，或拨打防非热线 {hotline}。",
		"[Illegal fundraising warning] {text}\nTo report a tip, send /report "
		"<what you saw> here, or call {hotline}." },
	[MSG_ROLE_GRID_WORKER] = { "网格员", "grid worker" },
	[MSG_ROLE_GRID_CHIEF] = { "网格长", "grid chief" },
	[MSG_ROLE_LIAISON] = { "联络员", "liaison" },
	[MSG_ROLE_OFFICE] = { "处非办", "office" },
	[MSG_ROLE_ADMIN] = { "管理员", "administrator" },
	[MSG_KIND_BUILDING] = { "楼宇群", "building group" },
	[MSG_KIND_COMMUNITY] = { "社区群", "community group" },
	[MSG_KIND_GRID_WORKER] = { "网格员联络群", "grid-worker group" },
	[MSG_KIND_POLICE] = { "警务助理工作群", "police-assistant group" },
	[MSG_NOTICE_HEAD] = {
		"【风险警示通告 第{issue}期】{title}（{date}）\n以下企业涉嫌非法集资或存在风险，"
		"请广大居民提高警惕，切勿参与：",
		"[Warning notice no. {issue}] {title} ({date})\nThe companies below "
		"are suspected of illegal fundraising or at risk; do not take part:" },
	[MSG_NOTICE_ITEM] = {
		"{n}. {name}（{uscc}）— {measure}",
		"{n}. {name} ({uscc}) — {measure}" },
	[MSG_NOTICE_FOOT] = {
		"发送“查询 <公司名>”可随时核实企业；如有线索请拨打防非热线 {hotline}。",
		"Send /check <company> to check any company; report tips to the "
		"hotline {hotline}." },
	[MSG_WEB_CHECK_LABEL] = {
		"查询企业是否列入风险警示名单（输入公司名或统一社会信用代码）",
		"Is a company on the warning list? (name or credit code)" },
	[MSG_WEB_CHECK_BUTTON] = { "查询", "Check" },
	[MSG_WEB_REPORT_LABEL] = {
		"举报非法集资线索（举报人信息严格保密）",
		"Report suspected illegal fundraising (kept confidential)" },
	[MSG_WEB_REPORT_BUTTON] = { "提交举报", "Send" },
	[MSG_WEB_HOTLINE] = { "防非热线", "Hotline" },
	[MSG_WEB_NO_CODE] = {
		"这个二维码无效或已停用。请拨打防非热线 {hotline} 咨询。",
		"This code is unknown or no longer in use. Call the hotline "
		"{hotline}." },
	[MSG_WEB_BACK] = { "返回公开信", "Back to the letter" },
	[MSG_WEB_ISSUED] = { "{issuer}　{date}", "{issuer}, {date}" },
	[MSG_WEB_SCAN_HINT] = {
		"扫码阅读《{title}》，了解如何识别和防范非法集资。",
		"Scan to read \"{title}\" on spotting illegal fundraising." },
	/* staff, binds, groups */
	[MSG_BIND_LOCKED] = {
		"绑定失败次数过多，已暂停绑定。请于 {time} 之后再试，或向处非办核实绑定码。",
		"Too many failed bind attempts: binding is paused. Try again after "
		"{time}, or check the code with your office." },
	[MSG_BIND_IN_GROUP] = {
		"请在与本机器人的私聊中发送绑定码，不要发到群里。若群里其他人可能已看到绑定码，请向处非办重新索取。",
		"Send your bind code in a private chat with this bot, not in a "
		"group. If others may have seen the code, ask your office for a "
		"new one." },
	[MSG_BIND_NOTICE] = {
		"提醒：账号“{who}”（{channel}）刚刚以您的身份完成绑定。如非本人操作，请立即联系处非办。",
		"Notice: the account \"{who}\" ({channel}) has just been bound as "
		"you. If this was not you, tell your office at once." },
	[MSG_BINDGROUP_TAKEN] = {
		"本群已关联到您负责区域以外的 {area}，不能更改。请联系处非办。",
		"This group is attached to {area}, outside your area; it cannot be "
		"changed from here. Ask your office." },
	/* letters and web */
	[MSG_WEB_FORM_EXPIRED] = {
		"这份表单已过期或无效。请返回公开信页面，重新填写后提交。",
		"This form has expired or is not valid. Go back to the letter "
		"page, fill it in again and send it." },
	[MSG_WEB_SLOW_DOWN] = {
		"您的网络提交得太频繁了，请稍后再试。情况紧急请拨打防非热线 "
		"{hotline}。",
		"Too many requests from your network: please try again later. "
		"If it is urgent, call the hotline {hotline}." },
	[MSG_WEB_PRINT_TOKEN_GONE] = {
		"打印页不再接受 ?token= 令牌。请用 fangfei letter print-link "
		"--id 编号 --area 区域，或 POST /api/v1/letters/编号/print-link，"
		"生成限时打印链接。",
		"The print sheet no longer takes ?token=. Make a time-limited "
		"print link with fangfei letter print-link --id N --area PATH, "
		"or POST /api/v1/letters/N/print-link." },
	[MSG_WEB_PRINT_LINK_BAD] = {
		"打印链接无效或已过期，请重新生成。",
		"This print link is not valid or has expired: make a new one." },
	/* chats, tips */
	[MSG_FLOOD_TIPS] = {
		"您在短时间内提交的举报较多，请 {minutes} 分钟后再提交。"
		"如情况紧急，请拨打防非热线 {hotline}。",
		"You have sent many reports in a short time; please send the next "
		"one in {minutes} minutes. If it is urgent, call the hotline "
		"{hotline}." },
	[MSG_FLOOD_CHECKS] = {
		"您查询得太频繁了，请 {minutes} 分钟后再试。"
		"如需帮助，请拨打防非热线 {hotline}。",
		"You are checking too often; please try again in {minutes} "
		"minutes. For help, call the hotline {hotline}." },
	[MSG_GROUP_PRIVATE_ONLY] = {
		"为保护举报人，群聊中不受理举报和进度查询，本条消息未被记录。"
		"请私聊本机器人发送“举报 内容”或“进度 编号”，"
		"也可拨打防非热线 {hotline}。",
		"To protect whoever reports, tips and their progress are not taken "
		"in a group chat, and this message was not recorded. Message me "
		"directly with \"report <what happened>\" or \"status <reference>\", "
		"or call the hotline {hotline}." },
	/* receipts, rewards, the two-person reveal (ledger trust) */
	[MSG_RECEIPT_SHOWN] = {
		"您的回执号：{receipt}\n请抄下或截图保存，它只显示这一次。"
		"凭回执号可在本页、任一聊天或短信中发送“进度 {receipt}”查询处理进度；"
		"请勿告诉他人。",
		"Your receipt: {receipt}\nWrite it down or take a screenshot: it is "
		"shown only this once. With it you can follow the tip on this page, "
		"or by sending \"status {receipt}\" in any chat or by SMS. Keep it to "
		"yourself." },
	[MSG_RECEIPT_UNKNOWN] = {
		"没有找到与该回执号对应的线索，请核对后再试。",
		"No tip was found for this receipt; please check it and try again." },
	[MSG_RECEIPT_STATUS] = {
		"线索 {ref}：{status}\n提交于 {date}，最近更新 {updated}",
		"Tip {ref}: {status}\nFiled {date}, last updated {updated}" },
	[MSG_RECEIPT_QUESTION] = { "问：{text}", "Question: {text}" },
	[MSG_RECEIPT_ANSWER] = { "答：{text}", "Answer: {text}" },
	[MSG_RECEIPT_SLOW] = {
		"回执号查询过于频繁，请 {minutes} 分钟后再试。",
		"Too many receipt look-ups; please try again in {minutes} "
		"minutes." },
	[MSG_WEB_RECEIPT_LABEL] = {
		"凭回执号查询举报进度", "Follow a tip with its receipt" },
	[MSG_WEB_RECEIPT_BUTTON] = { "查询进度", "Look up" },
	[MSG_USAGE_REVEAL] = {
		"查看举报人 <编号> <理由> — 申请查看举报人身份，须保管人批准",
		"/reveal <reference> <reason> — ask to see who reported a tip (a "
		"custodian must approve)" },
	[MSG_USAGE_APPROVE] = {
		"批准 <申请号> — 保管人批准查看举报人的申请",
		"/approve <request> — a custodian approves a request to see a "
		"reporter" },
	[MSG_USAGE_REFUSE] = {
		"拒绝 <申请号> — 保管人拒绝查看举报人的申请",
		"/refuse <request> — a custodian refuses a request to see a "
		"reporter" },
	[MSG_USAGE_REPORTER] = {
		"举报人 <申请号> — 申请获批后查看一次举报人身份",
		"/reporter <request> — once approved, see the reporter, once" },
	[MSG_REVEAL_ROLE] = {
		"您的岗位无权查看举报人身份。本次请求已记录。",
		"Your role may not see who reported a tip. This request was "
		"recorded." },
	[MSG_REVEAL_NO_TIP] = {
		"在您负责的区域内没有编号为 {ref} 的线索。",
		"There is no tip {ref} in your area." },
	[MSG_REVEAL_NEED_REASON] = {
		"请写明编号和理由：查看举报人 <编号> <理由>",
		"Give the reference and a reason: /reveal <reference> <reason>" },
	[MSG_REVEAL_REQUESTED] = {
		"已提交申请，申请号 {id}（线索 {ref}）。须由保管人发送“批准 {id}”，"
		"之后您可发送“举报人 {id}”查看一次。",
		"Request {id} (tip {ref}) is filed. Once a custodian sends "
		"\"/approve {id}\", send \"/reporter {id}\" to see the reporter, "
		"once." },
	[MSG_REVEAL_NOT_CUSTODIAN] = {
		"只有保管人可以批准或拒绝查看举报人的申请。本次请求已记录。",
		"Only a custodian may approve or refuse a request to see a "
		"reporter. This request was recorded." },
	[MSG_REVEAL_NO_REQUEST] = {
		"没有待处理的申请 {id}。", "There is no pending request {id}." },
	[MSG_REVEAL_SELF] = {
		"不能处理自己提出的申请，须由另一位保管人处理。本次请求已记录。",
		"You cannot decide your own request; another custodian must. This "
		"request was recorded." },
	[MSG_REVEAL_APPROVED] = {
		"已批准申请 {id}（线索 {ref}）。",
		"Request {id} (tip {ref}) is approved." },
	[MSG_REVEAL_REFUSED] = {
		"已拒绝申请 {id}（线索 {ref}）。",
		"Request {id} (tip {ref}) is refused." },
	[MSG_REVEAL_TOLD_APPROVED] = {
		"您查看线索 {ref} 举报人的申请 {id} 已获批准。发送“举报人 {id}”查看，"
		"仅可查看一次。",
		"Your request {id} to see the reporter of tip {ref} is approved. "
		"Send \"/reporter {id}\" to see them, once." },
	[MSG_REVEAL_TOLD_REFUSED] = {
		"您查看线索 {ref} 举报人的申请 {id} 未获批准。",
		"Your request {id} to see the reporter of tip {ref} was refused." },
	[MSG_REVEAL_NOT_READY] = {
		"申请 {id} 不能查看：它不是您的申请、尚未获批准，或已查看过。"
		"本次请求已记录。",
		"Request {id} cannot be shown: it is not yours, not approved, or "
		"was shown already. This request was recorded." },
	[MSG_REVEAL_SHOWN] = {
		"线索 {ref} 的举报人（只显示这一次，请依法保密，勿转发）：\n"
		"渠道：{channel}\n用户：{sender}\n名称：{name}\n会话：{chat}",
		"The reporter of tip {ref} (shown only this once; keep it "
		"confidential, do not forward):\nChannel: {channel}\nUser: "
		"{sender}\nName: {name}\nChat: {chat}" },
	[MSG_REVEAL_FORGOTTEN] = {
		"线索 {ref} 的举报人身份已按保存期限删除，无法查看。",
		"The reporter of tip {ref} was deleted at the end of its keeping "
		"period and cannot be shown." },
	[MSG_REVEAL_ASK_CUSTODIAN] = {
		"{name} 申请查看线索 {ref} 的举报人（申请号 {id}），理由：{reason}\n"
		"批准请发送“批准 {id}”，拒绝请发送“拒绝 {id}”。",
		"{name} asks to see the reporter of tip {ref} (request {id}), "
		"because: {reason}\nSend \"/approve {id}\" or \"/refuse {id}\"." },
	/* the tip ledger's chat commands (线索 核查 处置 销号 退回 指派 追问 补充) */
	[MSG_USAGE_TIPS] = {
		"线索 [编号] — 工作人员：我的待办线索，或一条线索及其办理记录",
		"/tips [reference] — staff: my open tips, or one tip with its history" },
	[MSG_USAGE_VERIFY] = {
		"核查 <编号> [结论] — 开始核查，或给出结论（属实/不属实 …）",
		"/verify <reference> [finding] — begin the check, or conclude (true/false …)" },
	[MSG_USAGE_DISPOSE] = {
		"处置 <编号> <措施> [企业名或信用代码] — 约谈、警示、行政处罚、刑事立案、注吊销、关门",
		"/dispose <reference> <measure> [company or credit code] — admonished, warned, penalty, criminal, deregistered, shut" },
	[MSG_USAGE_CLOSE] = {
		"销号 <编号> — 处置完毕或不属实的线索销号",
		"/close <reference> — close a tip that was dealt with or found untrue" },
	[MSG_USAGE_RETURN] = {
		"退回 <编号> <理由> — 把线索退回上一步",
		"/return <reference> <reason> — send a tip one step back" },
	[MSG_USAGE_ASSIGN] = {
		"指派 <编号> <姓名或工号>[,…] — 网格长及以上重新指派线索",
		"/assign <reference> <name or staff number>[,…] — chiefs and up reassign a tip" },
	[MSG_USAGE_ASK] = {
		"追问 <编号> <问题> — 向举报人提问（举报人身份保密）",
		"/ask <reference> <question> — ask the reporter (who stays confidential)" },
	[MSG_USAGE_SUPPLEMENT] = {
		"补充 <编号> <内容> — 举报人补充自己举报的线索",
		"/add <reference> <details> — add to a tip you reported" },
	[MSG_LEDGER_PRIVATE] = {
		"线索办理请在与防非助手的私聊中进行，以免线索内容在群里泄露。本条消息未被记录。",
		"Work on tips in a private chat with me, so that nothing of a tip shows in a group. This message was not recorded." },
	[MSG_LEDGER_NOT_FOUND] = {
		"没有找到线索 {ref}，或该线索不在您负责的区域。请核对编号。",
		"No tip {ref} was found in your area. Please check the reference." },
	[MSG_LEDGER_BAD_STATE] = {
		"线索 {ref} 当前状态为「{state}」，不能{move}。此状态下您可以：{moves}。\n{next}",
		"Tip {ref} is {state}: it cannot be {move} now. From there you can have it: {moves}.\n{next}" },
	[MSG_LEDGER_BAD_ROLE] = {
		"线索 {ref}：{move}需要{need}及以上角色，您的角色是{role}。",
		"Tip {ref}: being {move} takes a {need} or above; you are a {role}." },
	[MSG_LEDGER_NOT_ASSIGNED] = {
		"线索 {ref} 没有分派给您：只有承办人或网格长及以上可以{move}。",
		"Tip {ref} is not assigned to you: only its assignees, or a grid chief and above, can have it {move}." },
	[MSG_LEDGER_RACE] = {
		"线索 {ref} 刚刚被他人办理，未作改动。请发送“线索 {ref}”查看最新状态后重试。",
		"Someone else just worked on tip {ref}; nothing was changed. Send /tips {ref} to see where it is, then try again." },
	[MSG_LEDGER_BAD_MEASURE] = {
		"无法识别措施“{measure}”。可用的措施：约谈、警示、行政处罚、刑事立案、注吊销、关门。",
		"\"{measure}\" is not a measure. Use one of: admonished, warned, penalty, criminal, deregistered, shut." },
	[MSG_LEDGER_NEED_NAME] = {
		"信用代码 {code} 不在企业名录中。请同时写上企业名称：处置 {ref} <措施> {code} <企业名称>",
		"Credit code {code} is not in the registry. Name the company too: /dispose {ref} <measure> {code} <company name>" },
	[MSG_LEDGER_MOVED] = {
		"线索 {ref}：已{move}，当前状态「{state}」。\n{next}",
		"Tip {ref}: {move}; it is now {state}.\n{next}" },
	[MSG_LEDGER_NONE] = {
		"无",
		"nothing" },
	[MSG_LEDGER_MOVE_ASSIGN] = {
		"指派",
		"assigned" },
	[MSG_LEDGER_MOVE_VERIFY] = {
		"开始核查",
		"verified" },
	[MSG_LEDGER_MOVE_CONFIRM] = {
		"认定属实",
		"confirmed" },
	[MSG_LEDGER_MOVE_REJECT] = {
		"认定不属实",
		"rejected" },
	[MSG_LEDGER_MOVE_DISPOSE] = {
		"处置",
		"disposed of" },
	[MSG_LEDGER_MOVE_CLOSE] = {
		"销号",
		"closed" },
	[MSG_LEDGER_MOVE_RETURN] = {
		"退回",
		"returned" },
	[MSG_LEDGER_NEXT_RECEIVED] = {
		"下一步：网格长及以上发送“指派 {ref} <姓名>”。",
		"Next: a grid chief or above sends /assign {ref} <name>." },
	[MSG_LEDGER_NEXT_ASSIGNED] = {
		"下一步：承办人发送“核查 {ref} <结论>”。",
		"Next: its assignee sends /verify {ref} <finding>." },
	[MSG_LEDGER_NEXT_VERIFYING] = {
		"下一步：核查完毕后发送“核查 {ref} 属实 <说明>”或“核查 {ref} 不属实 <说明>”。",
		"Next: once checked, send /verify {ref} true <notes> or /verify {ref} false <notes>." },
	[MSG_LEDGER_NEXT_REJECTED] = {
		"下一步：处非办发送“销号 {ref}”。",
		"Next: the office sends /close {ref}." },
	[MSG_LEDGER_NEXT_CONFIRMED] = {
		"下一步：网格长及以上发送“处置 {ref} <措施> [企业名或信用代码]”。",
		"Next: a grid chief or above sends /dispose {ref} <measure> [company or credit code]." },
	[MSG_LEDGER_NEXT_DISPOSING] = {
		"下一步：处置完毕后由处非办发送“销号 {ref}”。",
		"Next: when it is dealt with, the office sends /close {ref}." },
	[MSG_LEDGER_NEXT_CLOSED] = {
		"线索已办结，无需进一步操作。",
		"The tip is closed; nothing more to do." },
	[MSG_LEDGER_LIST_HEAD] = {
		"待办线索 {n} 条（最新在前）：",
		"{n} open tips (newest first):" },
	[MSG_LEDGER_LIST_MORE] = {
		"仅显示最新 {n} 条。发送“线索 <编号>”查看详情。",
		"Only the newest {n} are shown. Send /tips <reference> for one." },
	[MSG_LEDGER_LIST_FOOT] = {
		"发送“线索 <编号>”查看详情和办理记录。",
		"Send /tips <reference> for the details and history." },
	[MSG_LEDGER_LIST_NONE] = {
		"目前没有待办线索。",
		"You have no open tips." },
	[MSG_LEDGER_LIST_LINE] = {
		"{ref}｜{state}｜{area}｜{due}｜{text}",
		"{ref} | {state} | {area} | {due} | {text}" },
	[MSG_LEDGER_DUE] = {
		"{when} 前",
		"due {when}" },
	[MSG_LEDGER_OVERDUE] = {
		"已超期（{when}）",
		"OVERDUE ({when})" },
	[MSG_LEDGER_NO_DUE] = {
		"无时限",
		"no deadline" },
	[MSG_LEDGER_SHOW] = {
		"线索 {ref}\n状态：{state}\n区域：{area}\n企业：{enterprise}\n措施：{measure}\n承办人：{people}\n时限：{due}\n收到：{when}\n内容：{text}\n办理记录：",
		"Tip {ref}\nState: {state}\nArea: {area}\nCompany: {enterprise}\nMeasure: {measure}\nAssignees: {people}\nDeadline: {due}\nReceived: {when}\nText: {text}\nHistory:" },
	[MSG_LEDGER_FIRST] = {
		"{name}（首报）",
		"{name} (first report)" },
	[MSG_LEDGER_FIRST_OF] = {
		"{name}（首报为 {first}）",
		"{name} (first reported in {first})" },
	[MSG_LEDGER_EVENT] = {
		"• {when} {kind}｜{who}{note}",
		"• {when} {kind} | {who}{note}" },
	[MSG_LEDGER_WHO_SYSTEM] = {
		"系统",
		"system" },
	[MSG_LEDGER_WHO_REPORTER] = {
		"举报人",
		"reporter" },
	[MSG_LEDGER_WHO_API] = {
		"接口",
		"API" },
	[MSG_LEDGER_WHO_UNKNOWN] = {
		"工作人员",
		"staff" },
	[MSG_LEDGER_KIND_RECEIVED] = {
		"收到举报",
		"received" },
	[MSG_LEDGER_KIND_ASSIGNED] = {
		"分派",
		"assigned" },
	[MSG_LEDGER_KIND_VERIFYING] = {
		"开始核查",
		"verifying" },
	[MSG_LEDGER_KIND_REJECTED] = {
		"认定不属实",
		"found untrue" },
	[MSG_LEDGER_KIND_CONFIRMED] = {
		"认定属实",
		"found true" },
	[MSG_LEDGER_KIND_DISPOSING] = {
		"处置",
		"disposal" },
	[MSG_LEDGER_KIND_CLOSED] = {
		"销号",
		"closed" },
	[MSG_LEDGER_KIND_RETURNED] = {
		"退回",
		"returned" },
	[MSG_LEDGER_KIND_ESCALATED] = {
		"超时升级",
		"escalated" },
	[MSG_LEDGER_KIND_QUESTION] = {
		"追问举报人",
		"question to the reporter" },
	[MSG_LEDGER_KIND_ANSWER] = {
		"举报人补充",
		"the reporter's answer" },
	[MSG_LEDGER_KIND_LINKED] = {
		"关联企业",
		"linked to a company" },
	[MSG_LEDGER_KIND_NOTIFIED] = {
		"已告知举报人",
		"reporter told" },
	[MSG_LEDGER_KIND_UNASSIGNED] = {
		"待分派",
		"unassigned" },
	[MSG_LEDGER_TOO_LONG] = {
		"内容过长（{len} 字），最多 {max} 字。",
		"That is too long ({len} characters); at most {max}." },
	[MSG_ASSIGN_UNKNOWN] = {
		"找不到工作人员“{name}”，或其不负责线索 {ref} 所在的区域。请写姓名或工号。",
		"No staff member \"{name}\" who may work on tip {ref}'s area. Use a name or a staff number." },
	[MSG_ASSIGN_OK] = {
		"线索 {ref} 已指派给 {people}，已通知本人。当前状态「{state}」。\n{next}",
		"Tip {ref} is assigned to {people}, who were told. It is now {state}.\n{next}" },
	[MSG_ASK_SENT] = {
		"追问已发送给线索 {ref} 的举报人，对方回复后会通知承办人员。",
		"Your question went to the reporter of tip {ref}; its assignees will be told of the answer." },
	[MSG_ASK_NO_REPORTER] = {
		"线索 {ref} 的举报人无法联系（匿名举报或已超过保存期限），追问未发送。",
		"The reporter of tip {ref} cannot be reached (anonymous, or no longer kept); nothing was sent." },
	[MSG_ASK_BODY] = {
		"关于您举报的线索 {ref}，工作人员想进一步了解：{question}\n请回复“补充 {ref} <内容>”。您的身份严格保密。",
		"About your tip {ref}, we would like to know: {question}\nReply /add {ref} <your answer>. Your identity stays confidential." },
	[MSG_SUPPLEMENT_NOT_YOURS] = {
		"没有找到您举报的编号为 {ref} 的线索。只有举报人本人可以补充，请核对编号。",
		"No tip {ref} filed by you was found. Only the person who reported a tip can add to it; please check the reference." },
	[MSG_SUPPLEMENT_CLOSED] = {
		"线索 {ref} 已办结，无法再补充。如有新情况，请重新举报或拨打防非热线 {hotline}。",
		"Tip {ref} is closed and takes no more details. For anything new, report again or call {hotline}." },
	[MSG_SUPPLEMENT_OK] = {
		"已收到您对线索 {ref} 的补充，已转交承办人员。谢谢！您的身份严格保密。",
		"Thank you: what you added to tip {ref} went to the staff working on it. Your identity stays confidential." },
	[MSG_SUPPLEMENT_TELL] = {
		"线索 {ref} 的举报人补充：{text}\n发送“线索 {ref}”查看完整记录。",
		"The reporter of tip {ref} adds: {text}\nSend /tips {ref} for the whole history." },
	[MSG_LEDGER_MOVE_ASK] = {
		"追问举报人",
		"asked about" },
	[MSG_ASK_CLOSED] = {
		"线索 {ref} 已销号，不能再追问举报人。",
		"Tip {ref} is closed: its reporter is asked nothing more." },
	/* weekly patrols (巡查 巡查记录, the deadline notice to grid chiefs) */
	[MSG_USAGE_PATROL] = {
		"巡查 <楼栋> <情况> — 网格员记录本周对一栋楼的巡查（私聊）",
		"/patrol <building> <finding> — grid workers: record this week's patrol of a building (private chat)" },
	[MSG_USAGE_PATROLS] = {
		"巡查记录 — 本周我的巡查和尚未巡查的楼栋",
		"/patrols — my patrols this week, and the buildings not yet patrolled" },
	[MSG_PATROL_PRIVATE] = {
		"巡查请在与防非助手的私聊中记录。本条消息未被记录。",
		"Record patrols in a private chat with me. This message was not recorded." },
	[MSG_PATROL_NOT_BUILDING] = {
		"“{area}”不是楼栋。请写楼栋名称或路径，如 华光路社区/一网格/1号楼。",
		"\"{area}\" is not a building. Give a building's name or path, e.g. 华光路社区/一网格/1号楼." },
	[MSG_PATROL_TOO_LONG] = {
		"巡查情况有 {len} 个字，最多 {max} 个字，请精简后重发。",
		"The finding has {len} characters; at most {max} are kept. Please shorten it." },
	[MSG_PATROL_OK] = {
		"已记录 {area} 的巡查（{week}，{when}）。本周您负责的 {buildings} 栋楼已巡查 {patrolled} 栋。",
		"Patrol of {area} recorded ({week}, {when}). This week {patrolled} of your {buildings} buildings are patrolled." },
	[MSG_PATROL_OK_ALL] = {
		"已记录 {area} 的巡查（{week}，{when}）。本周您负责的 {buildings} 栋楼已全部巡查。",
		"Patrol of {area} recorded ({week}, {when}). All {buildings} of your buildings are patrolled this week." },
	[MSG_PATROLS_HEAD] = {
		"本周（{week}）您的巡查记录 {n} 条：",
		"Your patrols this week ({week}): {n}" },
	[MSG_PATROLS_LINE] = {
		"{when} {area}：{finding}",
		"{when} {area}: {finding}" },
	[MSG_PATROLS_NONE] = {
		"本周（{week}）您还没有巡查记录。",
		"You have recorded no patrol this week ({week})." },
	[MSG_PATROLS_MISSING] = {
		"本周尚未巡查的楼栋（{n} 栋，共 {buildings} 栋）：{list}",
		"Buildings not patrolled this week ({n} of {buildings}): {list}" },
	[MSG_PATROLS_ALL_DONE] = {
		"您负责的 {buildings} 栋楼本周均已巡查。",
		"All {buildings} of your buildings are patrolled this week." },
	[MSG_PATROLS_NO_BUILDINGS] = {
		"您负责的区域下没有登记楼栋。",
		"No buildings are registered in your area." },
	[MSG_PATROLS_MORE] = {
		"等 {n} 个",
		"and {n} more" },
	[MSG_PATROL_CHIEF_HEAD] = {
		"巡查提醒：{week} 周的巡查截止时间 {deadline} 已过，以下网格仍有楼栋未巡查：",
		"Patrols: the deadline of week {week} ({deadline}) has passed and these grids still have buildings without a patrol:" },
	[MSG_PATROL_CHIEF_GRID] = {
		"{grid}：{n}/{buildings} 栋未巡查（{list}）；当周没有巡查记录的网格员：{workers}",
		"{grid}: {n} of {buildings} buildings not patrolled ({list}); grid workers with no patrol that week: {workers}" },
	[MSG_PATROL_CHIEF_FOOT] = {
		"请督促网格员尽快完成巡查，并通过“巡查 <楼栋> <情况>”补录。",
		"Please see that the grid workers patrol them and record each with /patrol <building> <finding>." },
	[MSG_PATROL_NOBODY] = {
		"无",
		"none" },
	/* 统计: a staff member's figures of their area, in a private chat. */
	[MSG_USAGE_STATS] = {
		"统计 [区域] — 工作人员：本月线索、在办和逾期线索、本周巡查、本月预警、公开信触达（私聊）",
		"/stats [area] — staff: this month's tips, open and overdue tips, this week's patrols, this month's warnings, a letter's reach (private chat)" },
	[MSG_STATS_PRIVATE] = {
		"统计只在私聊中发送。请私聊本机器人发送“统计”。",
		"Statistics are sent in private chats only. Message me /stats directly." },
	[MSG_STATS_HEAD] = {
		"{area} {month} 统计：",
		"{area}, {month}:" },
	[MSG_STATS_TIPS] = {
		"本月新线索 {n} 条：{states}",
		"New tips this month: {n} ({states})" },
	[MSG_STATS_TIPS_NONE] = {
		"本月暂无新线索。",
		"No new tips this month." },
	[MSG_STATS_STATE] = {
		"{state} {n}",
		"{n} {state}" },
	[MSG_STATS_SEP] = {
		"，",
		", " },
	[MSG_STATS_OPEN] = {
		"在办线索 {open} 条，其中逾期 {overdue} 条。",
		"Open tips: {open}, of which {overdue} overdue." },
	[MSG_STATS_PATROLS] = {
		"本周（{week}）巡查 {patrolled}/{buildings} 栋楼（{rate}）。",
		"Patrols this week ({week}): {patrolled} of {buildings} buildings ({rate})." },
	[MSG_STATS_PATROLS_NONE] = {
		"本区域没有登记楼栋，没有巡查统计。",
		"No buildings are registered in this area, so there are no patrol figures." },
	[MSG_STATS_WARNINGS] = {
		"本月预警 {n} 次：送达 {sent}，待发 {waiting}，失败 {failed}。",
		"Warnings this month: {n}; delivered {sent}, waiting {waiting}, failed {failed}." },
	[MSG_STATS_WARNINGS_NONE] = {
		"本月没有发布预警。",
		"No warnings this month." },
	[MSG_STATS_LETTER] = {
		"公开信《{title}》：{devices} 台设备扫码 {scans} 次，覆盖 {households} 户中的 {rate}。",
		"Letter “{title}”: devices {devices}, scans {scans}, households {households}, reach {rate}." },
	[MSG_STATS_LETTER_NONE] = {
		"公开信《{title}》在本区域没有二维码。",
		"Letter “{title}” has no QR codes in this area." },
	[MSG_STATS_FOOT] = {
		"明细请在工作台查看（私聊发送“登录”）。",
		"The console has the details (/login in a private chat)." },
	/* Calendar feeds (bot/ics.c): the name a phone calendar shows. */
	[MSG_ICS_CALNAME] = { "防非提醒", "Fangfei reminders" },
	[MSG_USAGE_LOGIN] = {
		"登录 — 获取工作台的一次性登录链接（私聊）",
		"/login — a one-time sign-in link to the web console (private chat)" },
	[MSG_LOGIN_LINK] = {
		"工作台登录链接，十分钟内有效，只能使用一次，请勿转发：\n{link}",
		"Your sign-in link to the console. It works once, within ten "
		"minutes; do not forward it:\n{link}" },
	[MSG_LOGIN_PRIVATE] = {
		"登录链接只在私聊中发送。请私聊本机器人发送“登录”。",
		"Sign-in links are sent in private chats only. Message me "
		"/login directly." },
	[MSG_LOGIN_NONE] = {
		"工作台的地址尚未配置（[server] public_base_url），请联系处非办。",
		"The console's address is not configured ([server] "
		"public_base_url); ask the office." },
	[MSG_PRACTICE_UNAVAILABLE] = {
		"练习中不能使用此命令：它会改动真实的台账、人员或群。可练习：帮助、查询、举报、进度、联系，网格员还可练习预警。",
		"This command is not available in practice: it would change the "
		"real ledger, staff or groups. Practise /help, /check, /report, "
		"/status, /contact, and as a grid worker /warn." },
	[MSG_WARN_PRACTICE] = {
		"预警预览，将发往 {area} 的楼宇群和社区群：\n\n{body}\n\n练习：未发送 practice: not sent",
		"Preview of a warning to the building and community groups of "
		"{area}:\n\n{body}\n\n练习：未发送 practice: not sent" },
};

/* Returns the template, falling back to Chinese. */
const char *
msg_template(enum locale loc, enum msg_key key)
{
	if ((unsigned)key >= MSG__COUNT)
		return "";
	if (loc == LOCALE_EN && texts[key].en != NULL)
		return texts[key].en;
	return texts[key].zh != NULL ? texts[key].zh : "";
}

/* Looks up the value of the placeholder name[0..len). */
static const char *
msg_lookup(const struct msg_var *vars, const char *name, size_t len)
{
	for (; vars != NULL && vars->name != NULL; vars++)
		if (strlen(vars->name) == len &&
		    strncmp(vars->name, name, len) == 0)
			return vars->value != NULL ? vars->value : "";
	return NULL;
}

/* Renders key into b. */
int
msg_render(struct buf *b, enum locale loc, enum msg_key key,
    const struct msg_var *vars)
{
	const char	*t = msg_template(loc, key), *open, *close, *v;

	while ((open = strchr(t, '{')) != NULL) {
		if (buf_add(b, t, (size_t)(open - t)) == -1)
			return -1;
		close = strchr(open, '}');
		v = close ? msg_lookup(vars, open + 1, (size_t)(close - open - 1))
		    : NULL;
		if (v == NULL) {
			if (buf_add(b, open, 1) == -1)
				return -1;
			t = open + 1;
			continue;
		}
		if (buf_adds(b, v) == -1)
			return -1;
		t = close + 1;
	}
	return buf_adds(b, t);
}

/* Renders into a new string, cut at REPLY_TEXT_MAX. */
char *
msg_format(enum locale loc, enum msg_key key, const struct msg_var *vars)
{
	struct buf	 b;

	buf_init(&b, REPLY_TEXT_MAX);
	(void)msg_render(&b, loc, key, vars);
	return buf_steal(&b);
}
