package store

import "errors"

// The errors a backend maps its database's errors onto, wrapped with its
// name and the operation (see Store's error contract).

// ErrNotFound is returned when the requested row does not exist for the
// tenant. Rows of other tenants are reported as not found too.
var ErrNotFound = errors.New("not found")

// ErrOverloaded is returned, wrapped, when a backend gave up waiting for a
// lock or a connection within the bound it was configured with. The
// transaction was rolled back: nothing was written. Callers may retry
// later.
var ErrOverloaded = errors.New("overloaded")

// ErrConflict is returned, wrapped, when the database aborted a write
// transaction because of a concurrent one (a serialization failure or a
// deadlock). Nothing was written; the whole write may be run again.
var ErrConflict = errors.New("conflict with a concurrent write")
