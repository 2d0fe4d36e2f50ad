/*
 * jtext.h - JSON text that an allocation failure cannot corrupt.
 *
 * jansson's json_dumps() (2.14) ignores the result of writing an object's
 * key: when an allocation fails while it grows its buffer there, the key
 * loses bytes (a closing quote) and the call still returns the text, so a
 * stored report or setting would be malformed JSON with exit status 0
 * (found by the fault walk, tests/fault/walk.sh).  jtext_dump() measures
 * the text first and writes it into a buffer of that size, where writing
 * cannot fail.
 */
#ifndef YUJING_DATA_JTEXT_H
#define YUJING_DATA_JTEXT_H

#include <jansson.h>

/* j as text with the json_dumps() flags; malloc'd (the caller frees it),
 * NULL when j is NULL or out of memory. */
char *jtext_dump(const json_t *j, size_t flags);

/* Route jansson's allocations through a watcher (call once, before any
 * JSON is made); jtext_allocation_failed() is then 1 once any of them has
 * failed: whatever jansson returned since may lack a value. */
void jtext_watch_allocations(void);
int jtext_allocation_failed(void);

#endif
