package alertanalytics

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Frequency is how often a digest subscription is sent.
type Frequency string

// The frequencies of a Schedule.
const (
	Daily  Frequency = "daily"
	Weekly Frequency = "weekly"
)

// Schedule says when a digest is sent: every day, or every week on
// Weekday, at Hour:Minute local time in Location. A daily schedule's
// Weekday is unused, and answered as Sunday.
//
// A local time the zone skips that day (a daylight-saving gap) is sent at
// the first instant after the gap; a local time the zone has twice (the
// hour that repeats) at the first of the two.
type Schedule struct {
	Every   Frequency
	Weekday time.Weekday
	Hour    int
	Minute  int
	// Location is an IANA time zone; time.Local is refused.
	Location *time.Location
}

// check validates the schedule; fields are named as the HTTP API names
// them.
func (sc Schedule) check() error {
	switch {
	case sc.Every != Daily && sc.Every != Weekly:
		return invalid("schedule.every", "must be daily or weekly")
	case sc.Weekday < time.Sunday || sc.Weekday > time.Saturday:
		return invalid("schedule.weekday", "must be a day of the week")
	case sc.Hour < 0 || sc.Hour > 23 || sc.Minute < 0 || sc.Minute > 59:
		return invalid("schedule.at", "must be a local time of day, 00:00 to 23:59")
	case sc.Location == nil:
		return invalid("schedule.tz", "is required: an IANA time zone name such as Europe/Madrid")
	}
	if err := checkLocation(sc.Location); err != nil {
		return invalid("schedule.tz", "must be an IANA time zone name such as Europe/Madrid")
	}
	return nil
}

// At is the schedule's local time of day, "HH:MM".
func (sc Schedule) At() string { return fmt.Sprintf("%02d:%02d", sc.Hour, sc.Minute) }

// ParseAt reads a local time of day, "HH:MM", into hour and minute; field
// names the input in the error.
func ParseAt(field, s string) (hour, minute int, err error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, 0, invalid(field, "must be a local time of day, HH:MM")
	}
	if _, err := fmt.Sscanf(h+" "+m, "%d %d", &hour, &minute); err != nil || hour > 23 || minute > 59 || hour < 0 || minute < 0 {
		return 0, 0, invalid(field, "must be a local time of day, 00:00 to 23:59")
	}
	return hour, minute, nil
}

// Next returns the first instant of the schedule strictly after t.
func (sc Schedule) Next(t time.Time) time.Time {
	y, m, d := t.In(sc.Location).Date()
	// From the day before (an instant's local date and a schedule's may
	// differ by the zone's offset) to eight days on: a week always holds
	// one.
	for i := -1; i <= 8; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, time.UTC)
		if sc.Every == Weekly && day.Weekday() != sc.Weekday {
			continue
		}
		dy, dm, dd := day.Date()
		if at := wallClock(sc.Location, dy, dm, dd, sc.Hour, sc.Minute, 0, 0); at.After(t) {
			return at
		}
	}
	panic("alertanalytics: a schedule without an instant in nine days")
}

// latest returns the last instant of the schedule at or before now,
// counting from due (an instant of the schedule at or before now): the
// one period a subscription owes after any number were missed.
func (sc Schedule) latest(due, now time.Time) time.Time {
	for {
		next := sc.Next(due)
		if next.After(now) {
			return due
		}
		due = next
	}
}

// scheduleJSON is a schedule as the HTTP API writes it.
type scheduleJSON struct {
	Every   Frequency `json:"every"`
	Weekday string    `json:"weekday,omitempty"`
	At      string    `json:"at"`
	TZ      string    `json:"tz"`
}

// MarshalJSON writes {"every", "weekday" (weekly only, "monday"…), "at"
// ("HH:MM"), "tz" (the IANA name)}.
func (sc Schedule) MarshalJSON() ([]byte, error) {
	out := scheduleJSON{Every: sc.Every, At: sc.At()}
	if sc.Every == Weekly && sc.Weekday >= time.Sunday && sc.Weekday <= time.Saturday {
		out.Weekday = longDayName(sc.Weekday)
	}
	if sc.Location != nil {
		out.TZ = sc.Location.String()
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes; a bad weekday, time or
// zone is a *FieldError naming it ("schedule.weekday", "schedule.at",
// "schedule.tz").
func (sc *Schedule) UnmarshalJSON(b []byte) error {
	var in scheduleJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return invalid("schedule", "must be an object with every, weekday, at and tz")
	}
	// In check's order: every, weekday, at, tz.
	out := Schedule{Every: in.Every}
	if in.Every != Daily && in.Every != Weekly {
		return invalid("schedule.every", "must be daily or weekly")
	}
	if in.Weekday != "" || in.Every == Weekly {
		d, ok := weekdayNamed(strings.ToLower(in.Weekday), longDayName)
		if !ok {
			return invalid("schedule.weekday", "must be a day of the week, monday to sunday")
		}
		out.Weekday = d
	}
	var err error
	if out.Hour, out.Minute, err = ParseAt("schedule.at", in.At); err != nil {
		return err
	}
	if in.TZ == "" || in.TZ == "Local" {
		return invalid("schedule.tz", "is required: an IANA time zone name such as Europe/Madrid")
	}
	if out.Location, err = time.LoadLocation(in.TZ); err != nil {
		return invalid("schedule.tz", "must be an IANA time zone name such as Europe/Madrid")
	}
	*sc = out
	return nil
}
