import EddyEngine

extension StreamTask {
    /// How a ``PartitionGroup`` takes the event times of input `input`'s records ahead of
    /// processing: its source's plugin timestamp extractor, its `timestamp.field`, or the
    /// Kafka timestamp.
    func headEventTime(input: Int) -> HeadEventTime {
        let input = inputs[input]
        if input.source.extractor != nil {
            return HeadEventTime(.extractor(input.source, topic: input.topicName))
        }
        if let field = input.timestampField { return HeadEventTime(.field(field)) }
        return HeadEventTime(.record)
    }
}
