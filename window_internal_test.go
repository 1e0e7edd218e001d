package alertanalytics

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stretchr/testify/require"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestWallClockGapsAndOverlaps(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	santiago, havana, madrid := mustZone(t, "America/Santiago"), mustZone(t, "America/Havana"), mustZone(t, "Europe/Madrid")
	for _, tc := range []struct {
		name string
		loc  *time.Location
		y    int
		m    time.Month
		d    int
		h    int
		min  int
		want time.Time
	}{
		// Midnight is skipped: the day starts at 01:00 −03, not at 23:00 −04
		// of the day before, which is what time.Date answers.
		{"santiago spring midnight", santiago, 2026, time.September, 6, 0, 0, utc("2026-09-06T04:00:00Z")},
		{"santiago inside the gap", santiago, 2026, time.September, 6, 0, 30, utc("2026-09-06T04:00:00Z")},
		{"santiago after the gap", santiago, 2026, time.September, 6, 1, 0, utc("2026-09-06T04:00:00Z")},
		{"santiago ordinary day", santiago, 2026, time.September, 7, 0, 0, utc("2026-09-07T03:00:00Z")},
		{"havana spring midnight", havana, 2026, time.March, 8, 0, 0, utc("2026-03-08T05:00:00Z")},
		// Madrid's autumn overlap: 02:30 happens twice; the earlier (CEST) wins.
		{"madrid overlap", madrid, 2026, time.October, 25, 2, 30, utc("2026-10-25T00:30:00Z")},
		// Madrid's spring gap: 02:30 does not exist; 03:00 CEST follows.
		{"madrid gap", madrid, 2026, time.March, 29, 2, 30, utc("2026-03-29T01:00:00Z")},
		{"madrid midnight", madrid, 2026, time.March, 29, 0, 0, utc("2026-03-28T23:00:00Z")},
		{"utc", time.UTC, 2026, time.March, 29, 2, 30, utc("2026-03-29T02:30:00Z")},
	} {
		require.Equal(t, tc.want, wallClock(tc.loc, tc.y, tc.m, tc.d, tc.h, tc.min, 0, 0), tc.name)
	}
}

func TestWindowBounds(t *testing.T) {
	t.Parallel()
	at := func(now time.Time) *Service { return &Service{clock: func() time.Time { return now }} }

	// Santiago on the day its midnight is skipped: the window starts at 01:00.
	santiago := mustZone(t, "America/Santiago")
	sp, err := at(time.Date(2026, 9, 6, 15, 0, 0, 0, time.UTC)).resolveWindow(uuid.Max, Window{Days: 1, Location: santiago}, 7)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC), sp.start())
	require.Equal(t, "2026-09-06", sp.date(0).Format(time.DateOnly))

	// The window ends at now, truncated to the millisecond, included.
	now := time.Date(2026, 11, 2, 12, 13, 14, 987654321, time.UTC)
	sp, err = at(now).resolveWindow(uuid.Max, Window{Days: 1}, 7)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 11, 2, 12, 13, 14, 987000000, time.UTC), sp.last())
	require.Equal(t, time.Date(2026, 11, 2, 12, 13, 14, 988000000, time.UTC), sp.end())

	// The previous period is the same stretch of time N local days earlier:
	// for days=1 at 12:13:14.987 it is yesterday from midnight to 12:13:14.987.
	prev := sp.previous()
	require.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), prev.start())
	require.Equal(t, time.Date(2026, 11, 1, 12, 13, 14, 987000000, time.UTC), prev.last())

	// Across Madrid's autumn change (25 October 2026, a 25-hour day): the 3
	// days 26–28 October ending at 10:00 CET are set against 23–25 October,
	// from 23 October 00:00 CEST to 25 October 10:00 CET.
	madrid := mustZone(t, "Europe/Madrid")
	sp, err = at(time.Date(2026, 10, 28, 9, 0, 0, 0, time.UTC)).resolveWindow(uuid.Max, Window{Days: 3, Location: madrid}, 7)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 10, 25, 23, 0, 0, 0, time.UTC), sp.start()) // 26 Oct 00:00 CET
	prev = sp.previous()
	require.Equal(t, time.Date(2026, 10, 22, 22, 0, 0, 0, time.UTC), prev.start()) // 23 Oct 00:00 CEST
	require.Equal(t, time.Date(2026, 10, 25, 9, 0, 0, 0, time.UTC), prev.last())   // 25 Oct 10:00 CET
	require.Equal(t, time.Date(2026, 10, 23, 22, 0, 0, 0, time.UTC), prev.bounds[1])
	require.Equal(t, time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC), prev.bounds[2])

	_, err = at(now).resolveWindow(uuid.Max, Window{Days: 1, Location: time.Local}, 7)
	require.ErrorIs(t, err, ErrInvalidArgument)
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "tz", fe.Field)
}
