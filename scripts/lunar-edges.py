#!/usr/bin/python3
# Prints bot/rrule.c's rrule_lunar_edge[]: the first days of the lunar
# months whose new moon falls within MINUTES of midnight in Beijing
# (UTC+8), the months whose first day an approximate reckoning (ICU's)
# may put a day off. The Chinese calendar starts a month on the day of
# the new moon in UTC+8 (GB/T 33661-2017).
#
#   scripts/lunar-edges.py [FIRST_YEAR LAST_YEAR [MINUTES]]   (2024 2050 30)
#
# Needs Debian's python3-ephem (PyEphem: VSOP87 and ELP, new moons to
# seconds). A new moon closer to midnight than EPHEMERIS_MINUTES is
# reported on stderr and left out: the ephemeris (and the future's
# Delta T) cannot tell its day.
import datetime
import sys

import ephem

EPHEMERIS_MINUTES = 2

first = int(sys.argv[1]) if len(sys.argv) > 1 else 2024
last = int(sys.argv[2]) if len(sys.argv) > 2 else 2050
window = float(sys.argv[3]) if len(sys.argv) > 3 else 30

d = ephem.Date(ephem.Date("%d/1/1" % first) - 1)
while True:
    d = ephem.next_new_moon(d)
    utc = d.datetime()
    cst = utc + datetime.timedelta(hours=8)
    if cst.year > last:
        break
    minutes = cst.hour * 60 + cst.minute + cst.second / 60
    off = min(minutes, 1440 - minutes)
    if off < window:
        line = "\t%s,\t/* %s */" % (cst.strftime("%Y%m%d"),
                                     utc.strftime("%Y-%m-%d %H:%M:%S"))
        if off < EPHEMERIS_MINUTES:
            print("too near midnight, left out:" + line, file=sys.stderr)
        else:
            print(line)
    d = ephem.Date(d + 1)
