package alertanalytics_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/alertanalytics/alertanalytics"
	"github.com/alertanalytics/alertanalytics/store"
)

// peopleUser is a user id whose canonical form sorts by n.
func peopleUser(n byte) uuid.UUID { return uuid.UUID{0: 0x10, 15: n} }

func TestPeople(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		// Monday 2 November 2026, 11:00 in Madrid (CET); the 14-day window
		// starts on Tuesday 20 October at 00:00 CEST (19 October 22:00Z)
		// and holds the night of 24–25 October, when Madrid's clocks went
		// back from 03:00 CEST to 02:00 CET (01:00Z).
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: insightNow})
		tenant := uuid.New()
		u1, u2, u3 := peopleUser(1), peopleUser(2), peopleUser(3)
		alert := func(created string) uuid.UUID {
			a, _, err := svc.RecordAlert(ctx, tenant, alertanalytics.AlertInput{AlertType: "oven_fault", CreatedAt: ts(t, created)})
			require.NoError(t, err)
			return a.ID
		}
		act := func(alertID, user uuid.UUID, typ alertanalytics.InteractionType, at string) uuid.UUID {
			r, err := svc.RecordInteraction(ctx, tenant, alertID, user, alertanalytics.InteractionInput{Type: typ, InteractedAt: ts(t, at)})
			require.NoError(t, err)
			return r.Interaction.ID
		}
		ack, resolve := alertanalytics.InteractionAcknowledged, alertanalytics.InteractionResolved

		// A1, 01:00 CEST on the DST night: u1 acknowledges at 02:30 CEST
		// (5,400 s; sleep, night of the 24th), u2 resolves at 02:30 CET,
		// an hour later on the same wall clock (sleep, night of the 24th).
		a1 := alert("2026-10-24T23:00:00Z")
		act(a1, u1, ack, "2026-10-25T00:30:00Z")
		act(a1, u2, resolve, "2026-10-25T01:30:00Z")
		// A2: u1 acknowledges at exactly 22:00 CET, the sleep interval's
		// start (3,600 s; sleep, night of the 26th), and resolves at
		// exactly 08:00, its end (Tuesday before 09:00: off hours).
		a2 := alert("2026-10-26T20:00:00Z")
		act(a2, u1, ack, "2026-10-26T21:00:00Z")
		act(a2, u1, resolve, "2026-10-27T07:00:00Z")
		// A3: u2 and u3 acknowledge in the same millisecond (300 s,
		// Wednesday 11:05: business); the lower interaction id is first.
		a3 := alert("2026-10-28T10:00:00Z")
		i2 := act(a3, u2, ack, "2026-10-28T10:05:00Z")
		i3 := act(a3, u3, ack, "2026-10-28T10:05:00Z")
		// A4: u1 acknowledges at 10:20Z (1,200 s); u2's offline sync,
		// recorded later, says 10:10Z (600 s): u2 is the first.
		a4 := alert("2026-10-29T10:00:00Z")
		act(a4, u1, ack, "2026-10-29T10:20:00Z")
		act(a4, u2, ack, "2026-10-29T10:10:00Z")
		// A5: u3 acknowledged it before the window; u1's acknowledgement in
		// the window (Wednesday 21 October 12:00 CEST) is not the first.
		a5 := alert("2026-10-15T10:00:00Z")
		act(a5, u3, ack, "2026-10-15T10:01:00Z")
		act(a5, u1, ack, "2026-10-21T10:00:00Z")
		// A6: u3 snoozes at Sunday 04:00 CET (sleep, night of Saturday the
		// 31st) and dismisses at Sunday 13:00 (not a business day: off
		// hours).
		a6 := alert("2026-11-01T02:00:00Z")
		act(a6, u3, alertanalytics.InteractionSnoozed, "2026-11-01T03:00:00Z")
		act(a6, u3, alertanalytics.InteractionDismissed, "2026-11-01T12:00:00Z")
		// A7: u3 snoozes at Saturday 23:30 CET: sleep, the same night of
		// the 31st as the 04:00 after it.
		a7 := alert("2026-10-31T22:00:00Z")
		act(a7, u3, alertanalytics.InteractionSnoozed, "2026-10-31T22:30:00Z")

		madrid, err := time.LoadLocation("Europe/Madrid")
		require.NoError(t, err)
		w := alertanalytics.Window{Days: 14, Location: madrid}
		p, err := svc.People(ctx, tenant, w, alertanalytics.PeopleOptions{})
		require.NoError(t, err)

		// u1: 5 interactions (4 acknowledgements, 1 resolution); first on
		// A1 (5,400 s) and A2 (3,600 s): mean 4,500, nearest-rank median
		// the 1st of 2, 3,600; business A4 and A5, off hours A2's
		// resolution, sleep A1 and A2's acknowledgements on 2 nights.
		r1 := alertanalytics.PersonRow{UserID: u1, Interactions: 5,
			ByType:                alertanalytics.InteractionCounts{Acknowledged: 4, Resolved: 1},
			FirstAcknowledgements: alertanalytics.FirstAcknowledgements{Count: 2, MeanSeconds: 4500, P50Seconds: 3600},
			Business:              2, OffHours: 1, Sleep: 2, DisruptedNights: 2}
		r2 := alertanalytics.PersonRow{UserID: u2, Interactions: 3,
			ByType:   alertanalytics.InteractionCounts{Acknowledged: 2, Resolved: 1},
			Business: 2, Sleep: 1, DisruptedNights: 1}
		r3 := alertanalytics.PersonRow{UserID: u3, Interactions: 4,
			ByType:   alertanalytics.InteractionCounts{Acknowledged: 1, Snoozed: 2, Dismissed: 1},
			Business: 1, OffHours: 1, Sleep: 2, DisruptedNights: 1}
		if bytes.Compare(i2[:], i3[:]) < 0 {
			// u2's A3 acknowledgement (300 s) and A4's (600 s).
			r2.FirstAcknowledgements = alertanalytics.FirstAcknowledgements{Count: 2, MeanSeconds: 450, P50Seconds: 300}
		} else {
			r2.FirstAcknowledgements = alertanalytics.FirstAcknowledgements{Count: 1, MeanSeconds: 600, P50Seconds: 600}
			r3.FirstAcknowledgements = alertanalytics.FirstAcknowledgements{Count: 1, MeanSeconds: 300, P50Seconds: 300}
		}
		require.Equal(t, alertanalytics.People{PeriodDays: 14, People: 3, Rows: []alertanalytics.PersonRow{r1, r3, r2}}, p)

		// Two rows: u2's 3 interactions are the others.
		p, err = svc.People(ctx, tenant, w, alertanalytics.PeopleOptions{Limit: 2})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.People{PeriodDays: 14, People: 3, OtherInteractions: 3, Rows: []alertanalytics.PersonRow{r1, r3}}, p)

		// A tie at 3 interactions goes to the lower user id: a fourth user
		// with u2's count, u0, comes before u2.
		u0 := peopleUser(0)
		for _, at := range []string{"2026-10-30T10:00:00Z", "2026-10-30T10:01:00Z", "2026-10-30T10:02:00Z"} {
			act(a6, u0, alertanalytics.InteractionSnoozed, at)
		}
		p, err = svc.People(ctx, tenant, w, alertanalytics.PeopleOptions{Limit: 3})
		require.NoError(t, err)
		require.Equal(t, []uuid.UUID{u1, u3, u0}, []uuid.UUID{p.Rows[0].UserID, p.Rows[1].UserID, p.Rows[2].UserID})
		require.Equal(t, 4, p.People)
		require.Equal(t, int64(3), p.OtherInteractions)

		// Sleep hours that do not wrap, 01:00-05:00: only the 02:30s and
		// the 04:00 are sleep, each night named by its own date (25
		// October for both 02:30s, 1 November for the 04:00); A2's 22:00
		// acknowledgement and A7's 23:30 snooze become off hours. Rows:
		// u1, u3, u0 (3 snoozes, Friday 11:00: business), u2.
		sleep := alertanalytics.Interval{Start: 60, End: 300}
		p, err = svc.People(ctx, tenant, w, alertanalytics.PeopleOptions{Hours: alertanalytics.HoursOptions{SleepHours: &sleep}})
		require.NoError(t, err)
		require.Len(t, p.Rows, 4)
		var classes [4][4]int64
		for i, r := range p.Rows {
			classes[i] = [4]int64{r.Business, r.OffHours, r.Sleep, r.DisruptedNights}
		}
		require.Equal(t, [4][4]int64{{2, 2, 1, 1}, {1, 2, 1, 1}, {3, 0, 0, 0}, {2, 0, 1, 1}}, classes)

		// A 1-day window (Monday 2 November in Madrid) holds none of them.
		p, err = svc.People(ctx, tenant, alertanalytics.Window{Days: 1, Location: madrid}, alertanalytics.PeopleOptions{})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.People{PeriodDays: 1, People: 0, Rows: []alertanalytics.PersonRow{}}, p)

		for _, bad := range []struct {
			field string
			opts  alertanalytics.PeopleOptions
		}{
			{"limit", alertanalytics.PeopleOptions{Limit: 101}},
			{"sleep_hours", alertanalytics.PeopleOptions{Hours: alertanalytics.HoursOptions{SleepHours: &alertanalytics.Interval{Start: 61, End: 300}}}},
		} {
			_, err := svc.People(ctx, tenant, w, bad.opts)
			var fe *alertanalytics.FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, bad.field, fe.Field)
		}
	})
}

func TestFlapping(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		// Monday 2 November 2026, 10:00 UTC; the 7-day window starts on
		// Tuesday 27 October, 00:00 UTC.
		svc := alertanalytics.New(st, alertanalytics.Config{Clock: insightNow})
		tenant := uuid.New()
		seedInsight(t, svc, tenant, []insightAlert{
			// disk_full/db: 5 alerts; short with 15m: f1 (exactly 900 s) and
			// f5 (60 s, acknowledged at the very millisecond it resolved:
			// not earlier); f2 (900 s and 1 ms) and f3 (16 min) too long;
			// f4 acknowledged before it resolved.
			{name: "f1", alertType: "disk_full", service: "db", created: "2026-10-30T10:00:00Z", resolve: 15 * time.Minute},
			{name: "f2", alertType: "disk_full", service: "db", created: "2026-10-30T11:00:00Z", resolve: 15*time.Minute + time.Millisecond},
			{name: "f3", alertType: "disk_full", service: "db", created: "2026-10-31T10:00:00Z", resolve: 16 * time.Minute},
			{name: "f4", alertType: "disk_full", service: "db", created: "2026-10-31T12:00:00Z", ack: time.Minute, resolve: 2 * time.Minute},
			{name: "f5", alertType: "disk_full", service: "db", created: "2026-11-01T12:00:00Z", ack: time.Minute, resolve: time.Minute},
			// Before the window: not counted.
			{name: "old", alertType: "disk_full", service: "db", created: "2026-10-20T10:00:00Z", resolve: time.Minute},
			// cpu_high/web: 3 alerts, 2 short (30 s, 1 s), one open.
			{name: "g1", alertType: "cpu_high", service: "web", created: "2026-11-01T00:00:00Z", resolve: 30 * time.Second},
			{name: "g2", alertType: "cpu_high", service: "web", created: "2026-11-01T01:00:00Z", resolve: time.Second},
			{name: "g3", alertType: "cpu_high", service: "web", created: "2026-11-01T02:00:00Z"},
			// cpu_high/db: 1 alert, short (600 s).
			{name: "g4", alertType: "cpu_high", service: "db", created: "2026-11-01T03:00:00Z", resolve: 10 * time.Minute},
			// mem/web: its only quick resolution was acknowledged a second
			// before: no short episode, no row.
			{name: "m1", alertType: "mem", service: "web", created: "2026-11-01T04:00:00Z", ack: 59 * time.Second, resolve: time.Minute},
		})
		w := alertanalytics.Window{Days: 7}
		disk := alertanalytics.FlappingRow{AlertType: "disk_full", Service: "db", Alerts: 5, ShortEpisodes: 2, FlapRate: 40, P50ShortSeconds: 60}
		web := alertanalytics.FlappingRow{AlertType: "cpu_high", Service: "web", Alerts: 3, ShortEpisodes: 2, FlapRate: 66.7, P50ShortSeconds: 1}
		db := alertanalytics.FlappingRow{AlertType: "cpu_high", Service: "db", Alerts: 1, ShortEpisodes: 1, FlapRate: 100, P50ShortSeconds: 600}

		// 2 short episodes each for disk_full/db and cpu_high/web: the one
		// with more alerts first.
		f, err := svc.Flapping(ctx, tenant, w, alertanalytics.FlappingOptions{})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.Flapping{PeriodDays: 7, ShortSeconds: 900, Groups: 3,
			Rows: []alertanalytics.FlappingRow{disk, web, db}}, f)

		f, err = svc.Flapping(ctx, tenant, w, alertanalytics.FlappingOptions{Limit: 2})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.Flapping{PeriodDays: 7, ShortSeconds: 900, Groups: 3, OtherShortEpisodes: 1,
			Rows: []alertanalytics.FlappingRow{disk, web}}, f)

		// The bounds: 1 s keeps g2 alone; 24 h takes every resolution
		// without an earlier acknowledgement: disk_full/db's f1, f2, f3
		// and f5 (60, 900, 900, 960 s: median the 2nd, 900).
		f, err = svc.Flapping(ctx, tenant, w, alertanalytics.FlappingOptions{Short: time.Second})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.Flapping{PeriodDays: 7, ShortSeconds: 1, Groups: 1, Rows: []alertanalytics.FlappingRow{
			{AlertType: "cpu_high", Service: "web", Alerts: 3, ShortEpisodes: 1, FlapRate: 33.3, P50ShortSeconds: 1}}}, f)
		f, err = svc.Flapping(ctx, tenant, w, alertanalytics.FlappingOptions{Short: 24 * time.Hour})
		require.NoError(t, err)
		require.Equal(t, alertanalytics.Flapping{PeriodDays: 7, ShortSeconds: 86400, Groups: 3, Rows: []alertanalytics.FlappingRow{
			{AlertType: "disk_full", Service: "db", Alerts: 5, ShortEpisodes: 4, FlapRate: 80, P50ShortSeconds: 900}, web, db}}, f)

		for _, short := range []time.Duration{-time.Second, 1500 * time.Millisecond, 24*time.Hour + time.Second, time.Millisecond} {
			_, err := svc.Flapping(ctx, tenant, w, alertanalytics.FlappingOptions{Short: short})
			var fe *alertanalytics.FieldError
			require.ErrorAs(t, err, &fe, short.String())
			require.Equal(t, "short", fe.Field)
		}

		// The digest: the first 3 rows, and the busiest person, who made
		// all 12 interactions of the window, 5 of them in sleep hours
		// (22:00-08:00 UTC: g1, g2, g4 and m1's two).
		d, err := svc.Digest(ctx, tenant, w)
		require.NoError(t, err)
		require.Equal(t, []alertanalytics.FlappingRow{disk, web, db}, d.Flapping)
		require.NotNil(t, d.BusiestPerson)
		require.Equal(t, int64(12), d.BusiestPerson.Interactions)
		require.Equal(t, int64(5), d.BusiestPerson.Sleep)
	})
}
