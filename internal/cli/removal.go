package cli

// removalStatus is the STATUS column of a row that gc or sweep removes (or,
// in a dry run, would remove), and whether the row counts in the summary:
// it does when it was removed, or would be.
func removalStatus(removed bool, failure string, dryRun bool) (status string, counts bool) {
	switch {
	case removed:
		return "removed", true
	case failure != "":
		return "failed: " + failure, false
	default:
		return "would remove", dryRun
	}
}
