/*
 * prompts.h - the command lines typed at the TUI's ':' prompt, kept in the
 * project so the history survives the session (and travels with the file).
 *
 * Stored in the project setting "prompt_history": the lines, oldest first,
 * joined by newlines (a prompt line never holds one).
 */
#ifndef YUJING_STORE_PROMPTS_H
#define YUJING_STORE_PROMPTS_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* The stored lines, oldest first: *lines is a malloc'd array of *n
 * malloc'd strings (NULL with *n = 0 when there are none), freed with
 * prompts_free(). */
yj_status prompts_load(yj_project *p, char ***lines, size_t *n, yj_error *err);

/* Append line (newlines in it become spaces; an empty line or a repeat of
 * the last line is not stored) and keep only the newest `keep` lines, in
 * one transaction. */
yj_status prompts_add(yj_project *p, const char *line, size_t keep, yj_error *err);

void prompts_free(char **lines, size_t n);

#endif
