/*
 * The words people type and the stored names behind them: locale names,
 * the measures of a disposal, and the text keys of stored tip states and
 * measures (the texts themselves are in texts.c).
 */
#include <string.h>
#include <strings.h>

#include "texts.h"

/* Parses a locale name. */
int
locale_parse(const char *s, enum locale *loc)
{
	if (strncasecmp(s, "zh", 2) == 0 || strcmp(s, "中文") == 0) {
		*loc = LOCALE_ZH;
		return 0;
	}
	if (strncasecmp(s, "en", 2) == 0 || strcmp(s, "英文") == 0) {
		*loc = LOCALE_EN;
		return 0;
	}
	return -1;
}

/* Returns the canonical name of a locale. */
const char *
locale_name(enum locale loc)
{
	return loc == LOCALE_EN ? "en" : "zh-CN";
}

/* Spellings of measures as people type them. */
static const struct {
	const char	*word;
	const char	*code;
} measure_words[] = {
	{ "admonished", "admonished" }, { "约谈", "admonished" },
	{ "warned", "warned" }, { "警示", "warned" },
	{ "penalty", "penalty" }, { "行政处罚", "penalty" },
	{ "处罚", "penalty" },
	{ "criminal", "criminal" }, { "刑事立案", "criminal" },
	{ "立案", "criminal" }, { "移送公安", "criminal" },
	{ "deregistered", "deregistered" }, { "注吊销", "deregistered" },
	{ "注销", "deregistered" }, { "吊销", "deregistered" },
	{ "shut", "shut" }, { "关门", "shut" }, { "关停", "shut" },
	{ "listed", "listed" }, { "列入", "listed" },
};

/* The stored name of a measure as typed. */
const char *
measure_parse(const char *word)
{
	size_t	 i;

	for (i = 0; word != NULL && i < sizeof measure_words /
	    sizeof measure_words[0]; i++)
		if (strcasecmp(word, measure_words[i].word) == 0)
			return measure_words[i].code;
	return NULL;
}

/* Returns the staff's name of a stored tip state. */
enum msg_key
msg_tip_state_key(const char *s)
{
	static const char *const names[] = { "received", "assigned",
	    "verifying", "rejected", "confirmed", "disposing", "closed" };
	size_t	 i;

	for (i = 0; s != NULL && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum msg_key)(MSG_TIP_STATE_RECEIVED + i);
	return MSG_TIP_STATE_RECEIVED;
}

/* Returns the text key of a stored measure. */
enum msg_key
msg_measure_key(const char *m)
{
	static const struct {
		const char	*name;
		enum msg_key	 key;
	} measures[] = {
		{ "admonished", MSG_MEASURE_ADMONISHED },
		{ "warned", MSG_MEASURE_WARNED },
		{ "penalty", MSG_MEASURE_PENALTY },
		{ "criminal", MSG_MEASURE_CRIMINAL },
		{ "deregistered", MSG_MEASURE_DEREGISTERED },
		{ "shut", MSG_MEASURE_SHUT },
	};
	size_t	 i;

	for (i = 0; m != NULL && i < sizeof measures / sizeof measures[0]; i++)
		if (strcmp(measures[i].name, m) == 0)
			return measures[i].key;
	return MSG_MEASURE_LISTED;
}
