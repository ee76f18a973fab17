package awsx

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ECSNumbersAsStrings is an ecs.Options function that makes the client
// read a task's containers as the ECS API describes them, whoever answers.
//
// The API gives a running container's cpu, memory and memoryReservation
// (Task.containers[] in RunTask, StartTask, StopTask and DescribeTasks) as
// strings, where a task definition's containerDefinitions[] give them as
// numbers. moto answers the task's containers with the numbers of the
// definition, and the SDK then fails the whole call ("expected string,
// got 128"). This rewrites such numbers as strings before the SDK reads
// the answer; an answer that already has strings, as AWS's does, passes
// unchanged.
func ECSNumbersAsStrings(o *ecs.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Deserialize.Insert(middleware.DeserializeMiddlewareFunc("bakeECSNumbersAsStrings", numbersAsStrings),
			"OperationDeserializer", middleware.After)
	})
}

// taskOperations are the ECS operations whose answers hold tasks.
var taskOperations = map[string]bool{"RunTask": true, "StartTask": true, "StopTask": true, "DescribeTasks": true}

// containerStrings are the fields of a task's container that the API
// gives as strings.
var containerStrings = []string{"cpu", "memory", "memoryReservation"}

// numbersAsStrings runs inside the SDK's deserializer: it sees the raw
// answer first and hands it on with the containers' numbers quoted.
func numbersAsStrings(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if err != nil || !taskOperations[awsmiddleware.GetOperationName(ctx)] {
		return out, md, err
	}
	resp, ok := out.RawResponse.(*smithyhttp.Response)
	if !ok || resp.StatusCode < 200 || resp.StatusCode > 299 || resp.Body == nil {
		return out, md, err
	}
	body, readErr := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if readErr != nil {
		return out, md, readErr
	}
	resp.Body = io.NopCloser(bytes.NewReader(quoteContainerNumbers(body)))
	return out, md, nil
}

// quoteContainerNumbers returns body with the numeric containerStrings of
// every task's containers turned into strings; it returns body itself
// when that is not JSON or holds nothing to change.
func quoteContainerNumbers(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]any
	if dec.Decode(&doc) != nil {
		return body
	}
	changed := false
	var tasks []any
	if list, ok := doc["tasks"].([]any); ok {
		tasks = list
	}
	if task, ok := doc["task"]; ok {
		tasks = append(tasks, task)
	}
	for _, task := range tasks {
		t, _ := task.(map[string]any)
		containers, _ := t["containers"].([]any)
		for _, c := range containers {
			container, _ := c.(map[string]any)
			for _, k := range containerStrings {
				if n, ok := container[k].(json.Number); ok {
					container[k] = n.String()
					changed = true
				}
			}
		}
	}
	if !changed {
		return body
	}
	fixed, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return fixed
}
