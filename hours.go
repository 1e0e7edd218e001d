package alertanalytics

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/alertanalytics/alertanalytics/internal/rollup"
	"github.com/alertanalytics/alertanalytics/store"
)

// Interval is a stretch of local wall-clock time of day, [Start, End), in
// minutes after midnight, on the quarter hour. End ≤ Start wraps past
// midnight: 22:00-08:00 is the night.
type Interval struct{ Start, End int }

// Contains reports whether the minute of day m falls in the interval.
func (iv Interval) Contains(m int) bool {
	if iv.End <= iv.Start {
		return m >= iv.Start || m < iv.End
	}
	return m >= iv.Start && m < iv.End
}

// String formats the interval as HH:MM-HH:MM.
func (iv Interval) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", iv.Start/60, iv.Start%60, iv.End/60, iv.End%60)
}

// ParseInterval reads "HH:MM-HH:MM" (hours 00–24, minutes 00, 15, 30 or
// 45; 24:00 only as an end). field names the input in the error.
func ParseInterval(field, s string) (Interval, error) {
	from, to, ok := strings.Cut(s, "-")
	bad := invalid(field, "must be HH:MM-HH:MM on the quarter hour, such as 09:00-17:00")
	if !ok {
		return Interval{}, bad
	}
	start, err1 := parseClock(from, false)
	end, err2 := parseClock(to, true)
	if err1 != nil || err2 != nil {
		return Interval{}, bad
	}
	return Interval{Start: start, End: end % (24 * 60)}, nil
}

func parseClock(s string, end bool) (int, error) {
	if len(s) != 5 || s[2] != ':' {
		return 0, strconv.ErrSyntax
	}
	h, err := strconv.Atoi(s[:2])
	if err != nil || s[0] == '+' || s[0] == '-' {
		return 0, strconv.ErrSyntax
	}
	m, err := strconv.Atoi(s[3:])
	if err != nil || s[3] == '+' || s[3] == '-' || m%15 != 0 || m >= 60 {
		return 0, strconv.ErrSyntax
	}
	if h > 24 || (h == 24 && (m != 0 || !end)) {
		return 0, strconv.ErrSyntax
	}
	return h*60 + m, nil
}

// shortDayName is the name of d in ParseWeekdays' lists: "mon".
func shortDayName(d time.Weekday) string { return strings.ToLower(d.String()[:3]) }

// longDayName is the name of d in a schedule's JSON: "monday".
func longDayName(d time.Weekday) string { return strings.ToLower(d.String()) }

// weekdayNamed returns the weekday name spells.
func weekdayNamed(name string, spell func(time.Weekday) string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if spell(d) == name {
			return d, true
		}
	}
	return 0, false
}

// FormatWeekdays writes days as ParseWeekdays reads them: a comma list
// such as "mon,tue". Each day must be Sunday to Saturday.
func FormatWeekdays(days []time.Weekday) string {
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = shortDayName(d)
	}
	return strings.Join(names, ",")
}

// ParseWeekdays reads a comma list of mon…sun and ranges such as mon-fri
// (a range may wrap: fri-mon). field names the input in the error.
func ParseWeekdays(field, s string) ([]time.Weekday, error) {
	bad := invalid(field, "must be a comma list of mon, tue, wed, thu, fri, sat, sun and ranges such as mon-fri")
	day := func(name string) (time.Weekday, bool) { return weekdayNamed(name, shortDayName) }
	var out []time.Weekday
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(part, "-")
		a, ok := day(from)
		if !ok {
			return nil, bad
		}
		b := a
		if isRange {
			if b, ok = day(to); !ok {
				return nil, bad
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
			if d == b {
				break
			}
		}
	}
	return out, nil
}

// HoursOptions says which local times are business hours and which are
// sleep hours.
type HoursOptions struct {
	// BusinessDays defaults to Monday–Friday.
	BusinessDays []time.Weekday
	// BusinessHours defaults to 09:00-17:00.
	BusinessHours *Interval
	// SleepHours defaults to 22:00-08:00.
	SleepHours *Interval
}

// HourClass summarises the alerts of one class of hours.
type HourClass struct {
	Alerts       int64 `json:"alerts"`
	Acknowledged int64 `json:"acknowledged"`
	// MeanTTASeconds and P50TTASeconds describe the acknowledged ones'
	// times to acknowledge (the mean rounded, the median nearest rank); 0
	// when none was acknowledged.
	MeanTTASeconds int64 `json:"mean_tta_seconds"`
	P50TTASeconds  int64 `json:"p50_tta_seconds"`
}

// Hours is when the window's alerts arrive, in local time.
type Hours struct {
	PeriodDays int `json:"period_days"`
	// Heatmap counts alerts by local weekday (row 0 is Monday) and local
	// hour of created_at (column 0 is 00:00–00:59).
	Heatmap  [7][24]int64 `json:"heatmap"`
	Business HourClass    `json:"business"`
	OffHours HourClass    `json:"off_hours"`
	Sleep    HourClass    `json:"sleep"`
}

// hourClasses decides the class of a local time.
type hourClasses struct {
	days            []time.Weekday
	business, sleep Interval
}

const (
	classBusiness = iota
	classOffHours
	classSleep
)

func (h hourClasses) of(local time.Time) int {
	m := local.Hour()*60 + local.Minute()
	switch {
	case slices.Contains(h.days, local.Weekday()) && h.business.Contains(m):
		return classBusiness
	case h.sleep.Contains(m):
		return classSleep
	}
	return classOffHours
}

// Hours counts the window's alerts (30 days by default) by the local
// weekday and hour of created_at, and splits them in three classes: business
// (a business day and business hours), else sleep (sleep hours), else off
// hours; for each, the alerts, how many were acknowledged, and the mean
// and nearest-rank median of their times to acknowledge. Intervals are in
// local wall-clock time, on the quarter hour, so each 15-minute bucket
// falls in one class whatever the time zone.
func (s *Service) Hours(ctx context.Context, tenantID uuid.UUID, w Window, opts HoursOptions) (_ Hours, err error) {
	ctx, end, err := s.call(ctx, "Hours", tenantID, read)
	defer end(&err)
	if err != nil {
		return
	}
	sp, err := s.resolveWindow(tenantID, w, DefaultInsightDays)
	if err != nil {
		return Hours{}, err
	}
	h, err := opts.classes()
	if err != nil {
		return Hours{}, err
	}
	out, err := s.hours(ctx, tenantID, sp, h)
	if err != nil {
		return Hours{}, fmt.Errorf("hours: %w", err)
	}
	return out, nil
}

// classes checks the options and fills in the defaults: Monday–Friday,
// 09:00-17:00 and 22:00-08:00.
func (o HoursOptions) classes() (hourClasses, error) {
	h := hourClasses{days: o.BusinessDays, business: Interval{9 * 60, 17 * 60}, sleep: Interval{22 * 60, 8 * 60}}
	if h.days == nil {
		h.days = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	}
	for _, iv := range []struct {
		field string
		given *Interval
		dst   *Interval
	}{{"business_hours", o.BusinessHours, &h.business}, {"sleep_hours", o.SleepHours, &h.sleep}} {
		if iv.given != nil {
			if iv.given.Start%15 != 0 || iv.given.End%15 != 0 || iv.given.Start < 0 || iv.given.End < 0 ||
				iv.given.Start >= 24*60 || iv.given.End >= 24*60 {
				return h, invalid(iv.field, "must lie on the quarter hour within a day")
			}
			*iv.dst = *iv.given
		}
	}
	return h, nil
}

func (s *Service) hours(ctx context.Context, tenantID uuid.UUID, sp span, h hourClasses) (Hours, error) {
	out := Hours{PeriodDays: sp.days}
	classes := [3]*HourClass{&out.Business, &out.OffHours, &out.Sleep}
	// The class of each bucket, looked up once by each of the two reads
	// below, which run side by side.
	newClassOf := func() func(b int64) int {
		bucketClass := map[int64]int{}
		return func(b int64) int {
			c, ok := bucketClass[b]
			if !ok {
				c = h.of(rollup.BucketStart(b).In(sp.loc))
				bucketClass[b] = c
			}
			return c
		}
	}
	count := func(local time.Time, class int, n int64) {
		out.Heatmap[(int(local.Weekday())+6)%7][local.Hour()] += n
		classes[class].Alerts += n
	}
	// The counters and the times are read side by side, each in one
	// request, sharing nothing. Times of alerts after the end that share
	// its bucket arrive with a negative sign and are taken out again.
	var times, minus [3][]int64
	err := concurrently(func() error {
		classOf := newClassOf()
		return rollup.EachBucket(ctx, s.store, tenantID, sp.start(), sp.end(),
			func(b int64, c *rollup.Counts) {
				count(rollup.BucketStart(b).In(sp.loc), classOf(b), c[rollup.CountAlerts])
			},
			func(a *store.Alert, sign int64) {
				count(a.CreatedAt.In(sp.loc), classOf(rollup.BucketOf(a.CreatedAt)), sign)
			})
	}, func() error {
		classOf := newClassOf()
		return rollup.EachTime(ctx, s.store, tenantID, sp.start(), sp.end(), func(kind rollup.Kind, k uint64, b, sign int64) {
			if kind != rollup.Acknowledge {
				return
			}
			c := classOf(b)
			if sign < 0 {
				minus[c] = append(minus[c], rollup.KeySeconds(k))
			} else {
				times[c] = append(times[c], rollup.KeySeconds(k))
			}
		})
	})
	if err != nil {
		return out, err
	}
	for i, c := range classes {
		c.setTimes(times[i], minus[i])
	}
	return out, nil
}

// setTimes sets the class's acknowledgements, mean and median time to
// acknowledge from its times, less one occurrence of each of minus.
func (c *HourClass) setTimes(v, minus []int64) {
	slices.Sort(v)
	for _, x := range minus {
		if j, ok := slices.BinarySearch(v, x); ok {
			v = slices.Delete(v, j, j+1)
		}
	}
	c.Acknowledged = int64(len(v))
	if len(v) == 0 {
		return
	}
	var sum int64
	for _, x := range v {
		sum += x
	}
	c.MeanTTASeconds = divRound(sum, int64(len(v)))
	c.P50TTASeconds = v[rollup.NearestRank(50, int64(len(v)))-1]
}
