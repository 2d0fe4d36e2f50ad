/*
 * profiles.h - the stored field profile of each source (table profiles):
 * the settings it was computed with and the result, both JSON text.
 */
#ifndef YUJING_STORE_PROFILES_H
#define YUJING_STORE_PROFILES_H

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* The stored profile of source `source_id`: *settings and *result get
 * malloc'd copies of the texts (the caller frees them), both NULL when
 * the source has none. */
yj_status profiles_get(yj_project *p, long long source_id, char **settings, char **result,
		       yj_error *err);

/* Store (or replace) the profile of a source. */
yj_status profiles_put(yj_project *p, long long source_id, const char *settings, const char *result,
		       yj_error *err);

#endif
