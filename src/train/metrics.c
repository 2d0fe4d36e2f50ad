/*
 * metrics.c - accuracy, per-class and macro precision/recall/F1, confusion
 * matrix (sklearn.metrics semantics, zero_division = 0).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/train/metrics.h"

int metrics_compute(yj_metrics *m, const int32_t *y, const int32_t *p, size_t n, int k)
{
	memset(m, 0, sizeof *m);
	m->k = k;
	m->n = n;
	size_t K = (size_t)k;
	m->precision = calloc(K, sizeof *m->precision);
	m->recall = calloc(K, sizeof *m->recall);
	m->f1 = calloc(K, sizeof *m->f1);
	m->support = calloc(K, sizeof *m->support);
	m->confusion = calloc(K * K, sizeof *m->confusion);
	int64_t *pred = calloc(K, sizeof *pred);
	if (!m->precision || !m->recall || !m->f1 || !m->support || !m->confusion || !pred) {
		free(pred);
		metrics_free(m);
		return -1;
	}
	size_t correct = 0;
	for (size_t i = 0; i < n; i++) {
		if (y[i] < 0 || y[i] >= k || p[i] < 0 || p[i] >= k)
			continue;
		m->confusion[(size_t)y[i] * K + (size_t)p[i]]++;
		m->support[y[i]]++;
		pred[p[i]]++;
		correct += y[i] == p[i];
	}
	m->accuracy = n ? (double)correct / (double)n : 0;
	int present = 0;
	for (size_t c = 0; c < K; c++) {
		int64_t tp = m->confusion[c * K + c];
		m->precision[c] = pred[c] ? (double)tp / (double)pred[c] : 0;
		m->recall[c] = m->support[c] ? (double)tp / (double)m->support[c] : 0;
		double s = m->precision[c] + m->recall[c];
		m->f1[c] = s > 0 ? 2 * m->precision[c] * m->recall[c] / s : 0;
		if (m->support[c] || pred[c]) {
			present++;
			m->macro_precision += m->precision[c];
			m->macro_recall += m->recall[c];
			m->macro_f1 += m->f1[c];
		}
	}
	if (present) {
		m->macro_precision /= present;
		m->macro_recall /= present;
		m->macro_f1 /= present;
	}
	free(pred);
	return 0;
}

void metrics_free(yj_metrics *m)
{
	free(m->precision);
	free(m->recall);
	free(m->f1);
	free(m->support);
	free(m->confusion);
	memset(m, 0, sizeof *m);
}

json_t *metrics_json(const yj_metrics *m, char *const *labels)
{
	/* Every value checked: a row missing from a stored report would be a
	 * wrong report with exit status 0.  NULL when out of memory. */
	json_t *lab = json_array(), *cls = json_array(), *conf = json_array();
	int bad = !lab || !cls || !conf;
	for (int c = 0; !bad && c < m->k; c++) {
		bad |= json_array_append_new(lab, json_string(labels[c]));
		bad |= json_array_append_new(cls, json_pack("{s:s, s:f, s:f, s:f, s:I}", "label", labels[c], "precision",
							     m->precision[c], "recall", m->recall[c], "f1", m->f1[c],
							     "support", (json_int_t)m->support[c]));
		json_t *row = json_array();
		for (int j = 0; row && !bad && j < m->k; j++)
			bad |= json_array_append_new(row, json_integer(m->confusion[(size_t)c * (size_t)m->k + (size_t)j]));
		bad |= json_array_append_new(conf, row);
	}
	if (bad) {
		json_decref(lab);
		json_decref(cls);
		json_decref(conf);
		return NULL;
	}
	return json_pack("{s:f, s:f, s:f, s:f, s:o, s:o, s:o}", "accuracy", m->accuracy, "macro_precision",
			 m->macro_precision, "macro_recall", m->macro_recall, "macro_f1", m->macro_f1, "labels",
			 lab, "classes", cls, "confusion", conf);
}
