package sqlschema

import (
	"strings"
	"time"

	"github.com/alertanalytics/alertanalytics/store"
)

// ExportPage is how many rows one page of a keyset-paged export reads.
const ExportPage = 1000

// Rows is what Pages needs of a result set; pgx.Rows and *sql.Rows have it.
type Rows interface {
	Next() bool
	Err() error
}

// Pages reads rows in (time, id) order in keyset pages of ExportPage, as
// the Export methods of store.Store do: query returns the page of rows
// after the given position (first fromMillis and firstID, an id that
// precedes every id), ordered by (time, id), and a func that closes them;
// scan reads one row, hands it on and returns its time and id. Pages stops
// after a page shorter than ExportPage, or at the first error. Run it in
// one read transaction so every page sees one snapshot.
func Pages[R Rows, ID any](fromMillis int64, firstID ID, query func(afterMillis int64, afterID ID) (R, func() error, error),
	scan func(R) (time.Time, ID, error)) error {
	lastTime, lastID := fromMillis, firstID
	for {
		rows, closeRows, err := query(lastTime, lastID)
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			at, id, err := scan(rows)
			if err != nil {
				closeRows()
				return err
			}
			lastTime, lastID = at.UnixMilli(), id
			n++
		}
		if err := closeRows(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n < ExportPage {
			return nil
		}
	}
}

// DayColumnList returns, for the columns of a store.DayRow in cols, their
// names as a select list ("counts, kinds") and a condition true where any
// of them is not empty ("length(counts) > 0 OR length(kinds) > 0"), in
// field order: what store.Store's DayRows selects and filters on.
func DayColumnList(cols store.DayColumns) (names, anyNonEmpty string) {
	var n, c []string
	for _, col := range cols.Columns() {
		n = append(n, col.Name())
		c = append(c, "length("+col.Name()+") > 0")
	}
	return strings.Join(n, ", "), strings.Join(c, " OR ")
}
