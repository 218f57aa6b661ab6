/* The periodic jobs of the daemon. */
#include "cron.h"
#include "handlers/tipflow.h"
#include "log.h"
#include "storage/chats.h"
#include "storage/letters.h"
#include "storage/reveals.h"
#include "storage/tips.h"

/*
 * The periodic jobs, run from the main thread between signals:
 *  - forget dedupe records older than [storage] dedupe_days (a week by
 *    default; platforms retry for a day);
 *  - fold scan rows older than [storage] scan_detail_days into per-code
 *    totals and delete them (reach figures stay the same);
 *  - escalate tips past their deadline ([tips] *_hours) one level up;
 *  - forget the reporters of tips closed [tips] forget_reporter_days ago.
 */
void
cron_run(struct store *s, const struct config *cfg,
    const struct handler_env *env, struct delivery *dl, time_t now)
{
	struct tipflow	 tf;
	long		 n = 0;

	if (inbound_seen_prune(s, now - (time_t)cfg->dedupe_days * 86400,
	    &n) != STORE_OK)
		log_warn("cron: %s", store_errmsg(s));
	else if (n > 0)
		log_info("cron: forgot %ld old dedupe records", n);
	n = 0;
	if (letters_prune_scans(s, now - (time_t)cfg->scan_detail_days *
	    86400, &n) != STORE_OK)
		log_warn("cron: %s", store_errmsg(s));
	else if (n > 0)
		log_info("cron: folded %ld old scan rows into totals", n);
	/* Tips past their deadline go one level up. */
	tipflow_system(&tf, s, env, LOCALE_ZH, now);
	n = 0;
	if (tipflow_escalate(&tf, &n) != TIPFLOW_OK)
		log_warn("cron: escalating tips: %s", store_errmsg(s));
	else if (n > 0) {
		log_info("cron: escalated %ld tip(s) past their deadline", n);
		delivery_wake(dl);
	}
	/* Closed tips older than [tips] forget_reporter_days lose their
	 * reporter. */
	n = 0;
	if (tips_forget(s, cfg->tip_forget_days, now, &n) != STORE_OK)
		log_warn("cron: forgetting reporters: %s", store_errmsg(s));
	else if (n > 0)
		log_info("cron: %ld closed tip(s) forgot their reporter", n);
}
