/*
 * What the four commands of the two-person reveal share (查看举报人, 批准,
 * 拒绝, 举报人): who the sender is as the ledger sees them, the request
 * number they typed, and the audit entry every attempt leaves, refused
 * or not. Only office staff and up may ask and see; only a custodian
 * other than the one who asked may decide.
 */
#ifndef FANGFEI_REVEAL_H
#define FANGFEI_REVEAL_H

#include <stdint.h>

#include "handlers.h"
#include "tipflow.h"

/* Fills tf for the staff member who sent the command. */
void		 reveal_flow(struct handler_ctx *, struct tipflow *);
/* Reads a request number ("12", "#12", "R12"); -1 if there is none. */
int		 reveal_number(const char *args, int64_t *id);
/* Appends an audit entry by the sender: action and "fmt…" (no reporter
 * identity ever goes in). */
enum store_status reveal_audit(struct handler_ctx *, const char *action,
		    int64_t area, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));
/* 批准 and 拒绝: a custodian's decision on request args. */
enum handler_ret reveal_decide(struct handler_ctx *, const char *args,
		    struct reply *, int approve);

#endif
