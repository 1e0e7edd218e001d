package alertanalytics

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v.UTC()
}

// The expected instants, worked out by hand from the zones' rules.
func TestScheduleAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	madrid := Schedule{Every: Weekly, Weekday: time.Monday, Hour: 8, Location: zone(t, "Europe/Madrid")}
	lordHowe := Schedule{Every: Weekly, Weekday: time.Monday, Hour: 8, Location: zone(t, "Australia/Lord_Howe")}
	for _, c := range []struct {
		name      string
		sc        Schedule
		after     string
		want      string
		wantLocal string
	}{
		// Madrid leaves summer time on Sunday 25 October 2026: Monday
		// 08:00 is 06:00Z the week before and 07:00Z the week after.
		{"Madrid autumn", madrid, "2026-10-19T06:00:00Z", "2026-10-26T07:00:00Z", "Mon 08:00 CET"},
		// ... and enters it on Sunday 29 March 2026.
		{"Madrid spring", madrid, "2026-03-23T07:00:00Z", "2026-03-30T06:00:00Z", "Mon 08:00 CEST"},
		// Lord Howe moves by 30 minutes: +11:00 to +10:30 on Sunday 5
		// April 2026, back on Sunday 4 October 2026.
		{"Lord Howe autumn", lordHowe, "2026-03-29T21:00:00Z", "2026-04-05T21:30:00Z", "Mon 08:00 +1030"},
		{"Lord Howe spring", lordHowe, "2026-09-27T21:30:00Z", "2026-10-04T21:00:00Z", "Mon 08:00 +11"},
		// Created at 07:59 on a Monday: first sent a minute later; at
		// 08:01: the next Monday; at 08:00 exactly: the next Monday too.
		{"created 07:59", madrid, "2026-11-02T06:59:00Z", "2026-11-02T07:00:00Z", "Mon 08:00 CET"},
		{"created 08:01", madrid, "2026-11-02T07:01:00Z", "2026-11-09T07:00:00Z", "Mon 08:00 CET"},
		{"created 08:00", madrid, "2026-11-02T07:00:00Z", "2026-11-09T07:00:00Z", "Mon 08:00 CET"},
	} {
		got := c.sc.Next(utc(t, c.after))
		require.Equal(t, utc(t, c.want), got, c.name)
		require.Equal(t, c.wantLocal, got.In(c.sc.Location).Format("Mon 15:04 MST"), c.name)
	}
}

func TestScheduleGapsAndRepeats(t *testing.T) {
	t.Parallel()
	daily := Schedule{Every: Daily, Hour: 2, Minute: 30, Location: zone(t, "Europe/Madrid")}
	// 29 March 2026 skips 02:00–03:00: sent at 03:00 CEST (01:00Z), the
	// first instant after the gap; the next day at 02:30 CEST again.
	require.Equal(t, utc(t, "2026-03-29T01:00:00Z"), daily.Next(utc(t, "2026-03-28T01:30:00Z")))
	require.Equal(t, utc(t, "2026-03-30T00:30:00Z"), daily.Next(utc(t, "2026-03-29T01:00:00Z")))
	// 25 October 2026 has 02:30 twice (00:30Z and 01:30Z): sent at the
	// first, and not again at the second.
	require.Equal(t, utc(t, "2026-10-25T00:30:00Z"), daily.Next(utc(t, "2026-10-24T00:30:00Z")))
	require.Equal(t, utc(t, "2026-10-26T01:30:00Z"), daily.Next(utc(t, "2026-10-25T00:30:00Z")))
}

func TestMissedPeriodsCollapseIntoTheLatest(t *testing.T) {
	t.Parallel()
	madrid := Schedule{Every: Weekly, Weekday: time.Monday, Hour: 8, Location: zone(t, "Europe/Madrid")}
	// Due on 5 October; nothing ran until Wednesday 21 October: the one
	// period owed is Monday 19 October (06:00Z, summer time).
	require.Equal(t, utc(t, "2026-10-19T06:00:00Z"), madrid.latest(utc(t, "2026-10-05T06:00:00Z"), utc(t, "2026-10-21T10:00:00Z")))
	// Not yet past the next: the due one.
	require.Equal(t, utc(t, "2026-10-05T06:00:00Z"), madrid.latest(utc(t, "2026-10-05T06:00:00Z"), utc(t, "2026-10-05T06:00:00Z")))
}

func TestParseAt(t *testing.T) {
	t.Parallel()
	h, m, err := ParseAt("at", "08:05")
	require.NoError(t, err)
	require.Equal(t, [2]int{8, 5}, [2]int{h, m})
	for _, bad := range []string{"8:05", "24:00", "08:60", "0805", "ab:cd", "-1:00"} {
		_, _, err := ParseAt("at", bad)
		var fe *FieldError
		require.ErrorAs(t, err, &fe, bad)
		require.Equal(t, "at", fe.Field)
	}
}

func TestFormatWeekdaysIsReadBackByParseWeekdays(t *testing.T) {
	t.Parallel()
	days := []time.Weekday{time.Saturday, time.Sunday, time.Monday}
	require.Equal(t, "sat,sun,mon", FormatWeekdays(days))
	back, err := ParseWeekdays("business_days", FormatWeekdays(days))
	require.NoError(t, err)
	require.Equal(t, days, back)
	sc := Schedule{Every: Weekly, Weekday: time.Wednesday, Hour: 7, Minute: 5, Location: time.UTC}
	b, err := sc.MarshalJSON()
	require.NoError(t, err)
	require.JSONEq(t, `{"every":"weekly","weekday":"wednesday","at":"07:05","tz":"UTC"}`, string(b))
	var read Schedule
	require.NoError(t, read.UnmarshalJSON([]byte(`{"every":"weekly","weekday":"Wednesday","at":"07:05","tz":"UTC"}`)))
	require.Equal(t, sc, read)
}
