package asg

// WaitHealthy lets the tests wait for a group's health as a deployment does.
var WaitHealthy = (*Target).waitHealthy
