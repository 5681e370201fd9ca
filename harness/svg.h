/*
 * svg.h - small line plots written as inline SVG.
 *
 * The report page draws its plots itself rather than through gnuplot:
 * the page must open anywhere without a helper program, every plot must
 * use the same palette, line styles and legend placement, and the series
 * must be plain elements (one <path class="series sK"> each) that a test
 * can count.  gnuplot's SVG terminal gives a fixed pixel size, its own
 * fonts and a script for mouse tracking, all of which fight an inline,
 * printable page.
 *
 * A plot is a frame (title, two axes), series (points joined by a line,
 * a marker on each point or on a few when there are many), guides (a
 * thin grey line such as the diagonal a device that keeps up follows)
 * and notes (a short text at a point, such as an error share).  Styles
 * are told apart by colour AND by dash and marker, so a plot reads in
 * black and white: the colours are Okabe and Ito's palette for
 * colour-blind readers.
 *
 * Axes are linear or logarithmic; a range with lo >= hi is taken from the
 * data.  A log axis drops points <= 0 (the line breaks there, as it does
 * at a NAN).  Tick labels come from a formatter, so the same writer draws
 * microseconds, rates and percentiles.
 *
 * Functions return 0 or -errno and print nothing; svg_write writes to a
 * stdio stream and returns -EIO when it fails.
 */
#ifndef CR_SVG_H
#define CR_SVG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define SVG_COLOURS 7	/* distinct colours before they repeat */
#define SVG_DASHES 4	/* solid, dashed, dotted, dash-dot */
#define SVG_MARKERS 5	/* circle, square, triangle, diamond, cross */

enum svg_scale { SVG_LINEAR, SVG_LOG };

/* Writes the label of tick value v into buf. */
typedef void (*svg_fmt_fn)(double v, char *buf, size_t len);

struct svg_axis {
	const char *label;
	enum svg_scale scale;
	double lo, hi;		/* lo >= hi: from the data */
	bool from_zero;		/* linear and from the data: start at 0 */
	svg_fmt_fn fmt;		/* NULL: svg_fmt_num */
	const double *ticks;	/* NULL: chosen from the range; else those inside it */
	unsigned nticks;
};

struct svg_style {
	unsigned colour;	/* index into the palette, modulo SVG_COLOURS */
	unsigned dash;		/* modulo SVG_DASHES */
	unsigned marker;	/* modulo SVG_MARKERS */
};

struct svg_plot;

/* A new plot (the strings are copied).  NULL with errno ENOMEM. */
struct svg_plot *svg_new(const char *title, const struct svg_axis *x, const struct svg_axis *y);
void svg_free(struct svg_plot *p);

/* A series of n points named name (its legend entry).  0 or -ENOMEM. */
int svg_series(struct svg_plot *p, const char *name, struct svg_style st,
	       const double *x, const double *y, unsigned n);
/* A thin grey line from (x0,y0) to (x1,y1), with a legend entry. */
int svg_guide(struct svg_plot *p, const char *name, double x0, double y0, double x1, double y1);
/* A short text at (x,y) in the style's colour, with a ring round the point. */
int svg_note(struct svg_plot *p, double x, double y, struct svg_style st, const char *text);
/* Set the x (or y) axis's range after the series are known (lo >= hi: from the data). */
void svg_range(struct svg_plot *p, bool y, double lo, double hi);
/* Series drawn so far. */
unsigned svg_nseries(const struct svg_plot *p);

/*
 * The <svg> element (no XML prolog: it goes inline into HTML).  Settles
 * the ranges and ticks, so add nothing after it.
 */
int svg_write(struct svg_plot *p, FILE *f);

/* Text for XML and HTML: & < > " ' escaped. */
void svg_escape(FILE *f, const char *s);
/* The palette's colour k as "#rrggbb". */
const char *svg_colour(unsigned k);

/* Formatters: "12k", "1.5k", "350"; microseconds as "50 µs", "1.2 ms", "3 s". */
void svg_fmt_num(double v, char *buf, size_t len);
void svg_fmt_us(double us, char *buf, size_t len);

#endif
