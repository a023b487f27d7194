package events

// Detail types recorded by the sales route group (shared/sales): each in
// the transaction of its write.
const (
	PipelineCreated         = "pipeline.created"
	PipelineUpdated         = "pipeline.updated"
	PipelineDeleted         = "pipeline.deleted"          // pipeline_id, moved_to
	PipelineStageAdded      = "pipeline.stage_added"      // pipeline_id, stage
	PipelineStageUpdated    = "pipeline.stage_updated"    // pipeline_id, stage
	PipelineStageDeleted    = "pipeline.stage_deleted"    // pipeline_id, stage_id, moved_to
	PipelineStagesReordered = "pipeline.stages_reordered" // pipeline_id, order

	DealCreated      = "deal.created"
	DealUpdated      = "deal.updated"
	DealStageChanged = "deal.stage_changed" // deal, from {id, name}, to {id, name}, reason, days_in_stage
	DealWon          = "deal.won"           // deal, from_status, to_status, reason
	DealLost         = "deal.lost"
	DealReopened     = "deal.reopened"
	DealDeleted      = "deal.deleted"

	ActivityCreated   = "activity.created"
	ActivityUpdated   = "activity.updated"
	ActivityCompleted = "activity.completed"
	ActivityDeleted   = "activity.deleted"

	SaleCreated         = "sale.created"
	SaleUpdated         = "sale.updated"
	SaleCompleted       = "sale.completed"
	SaleCancelled       = "sale.cancelled"
	SaleRefunded        = "sale.refunded"
	SalePaymentRecorded = "sale.payment_recorded"
	SaleDeleted         = "sale.deleted"
)
