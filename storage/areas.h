/*
 * Areas: the district tree (district / street / community / grid /
 * building), addressed by paths such as 张店区/车站街道/华光路社区.
 */
#ifndef FANGFEI_AREAS_H
#define FANGFEI_AREAS_H

#include <stdint.h>

#include "store.h"

#define AREA_LEVEL_MAX	5
#define AREA_PATH_MAX	512

/* Creates the area at path and its missing parents, or updates the
 * households, liaison and phone of an existing one (households < 0,
 * liaison or phone NULL leave those unchanged). *id gets the area. */
enum store_status areas_put(struct store *, const char *path, long households,
		    const char *liaison, const char *phone, int64_t *id);
/* Finds an area by its path, or by its last components ("车站街道/华光路社区"
 * or "华光路社区") when that names exactly one area. */
enum store_status areas_find(struct store *, const char *path, int64_t *id);

struct area_contact {
	char	*path;		/* the area asked about */
	char	*liaison;	/* of the nearest area up the tree that has one */
	char	*phone;
};
/* Fills the contact of area id; the caller releases it with
 * area_contact_clear(). */
enum store_status areas_contact(struct store *, int64_t id,
		    struct area_contact *);
void		 area_contact_clear(struct area_contact *);

#endif
