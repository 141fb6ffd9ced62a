package dev.sluice.kafka;

import dev.sluice.api.Pipeline;
import java.nio.charset.StandardCharsets;

/** The README's Kafka snippet, kept compiling. */
final class ReadmeSnippetCompiles {
  record Click(String user, String page, String action) {}

  private ReadmeSnippetCompiles() {}

  static Pipeline pipeline() {
    Pipeline p = Pipeline.create("clicks-copy");
    p.read(KafkaSource.builder("localhost:9092", "clicks")
            .deserializer(KafkaDeserializers.json(Click.class))
            .startingOffsets(StartingOffsets.earliest())
            .build())
        .filter(c -> c.action().equals("buy"))
        .write(KafkaSink.<Click>builder("localhost:9092", "purchases")
            .serializer(KafkaSerializers.json())
            .key(c -> c.user().getBytes(StandardCharsets.UTF_8))
            .deliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
            .transactionalIdPrefix("clicks-copy")
            .build());
    return p;
  }
}
