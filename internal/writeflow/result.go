package writeflow

import "github.com/alertanalytics/alertanalytics/store"

// InteractionResult is the outcome of recording one interaction.
type InteractionResult struct {
	// Interaction is the stored interaction: the new one, or the first one
	// recorded with the same idempotency key.
	Interaction store.Interaction
	// Duplicate is true when the idempotency key had been used before; then
	// nothing was written for this item.
	Duplicate bool
	// Err wraps store.ErrNotFound when the alert does not exist in the tenant; then
	// nothing was written for this item. Other failures abort the whole call.
	Err error
}
