package dev.sluice.kafka;

import dev.sluice.api.sink.SinkWriter;
import dev.sluice.api.sink.WriterContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;

/** {@link KafkaSink}'s writers. Each is used by one thread. */
abstract class KafkaSinkWriter<T> implements SinkWriter<T>, Callback {
  final KafkaSink<T> sink;
  final WriterContext context;
  private int partitions = -1;
  /** The first send error since the last flush (set by the producer's I/O thread). */
  private volatile Exception error;

  KafkaSinkWriter(KafkaSink<T> sink, WriterContext context) {
    this.sink = sink;
    this.context = context;
  }

  abstract KafkaProducer<byte[], byte[]> current();

  @Override
  public void write(T record) throws IOException {
    Exception e = error;
    if (e != null) {
      throw failed(e);
    }
    byte[] value;
    byte[] key;
    try {
      value = sink.serializer.serialize(record);
      key = sink.key != null ? sink.key.serialize(record) : null;
    } catch (Exception ex) {
      throw new IOException("cannot serialize a record for Kafka topic " + sink.topic + ": " + ex + " (record: "
          + abbreviate(String.valueOf(record)) + ")", ex);
    }
    Integer partition = null;
    KafkaProducer<byte[], byte[]> p = current();
    if (sink.partitioner != null) {
      if (partitions < 0) {
        partitions = p.partitionsFor(sink.topic).size();
      }
      int chosen = sink.partitioner.partition(record, partitions);
      if (chosen < 0 || chosen >= partitions) {
        throw new IOException("the partitioner chose partition " + chosen + " of Kafka topic " + sink.topic
            + ", which has " + partitions + " partitions");
      }
      partition = chosen;
    }
    try {
      p.send(new ProducerRecord<>(sink.topic, partition, key, value), this);
    } catch (KafkaException ex) {
      throw failed(ex);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }

  @Override
  public void onCompletion(RecordMetadata metadata, Exception exception) {
    if (exception != null && error == null) {
      error = exception;
    }
  }

  IOException failed(Exception e) {
    return new IOException("writing to Kafka topic " + sink.topic + " at " + sink.bootstrap + " failed: " + e, e);
  }

  /** Flushes and throws the first send error. */
  void flush(KafkaProducer<byte[], byte[]> p) throws IOException {
    try {
      p.flush();
    } catch (KafkaException ex) {
      throw failed(ex);
    }
    Exception e = error;
    if (e != null) {
      throw failed(e);
    }
  }

  /** At least once: an idempotent producer, flushed at every checkpoint. */
  static final class AtLeastOnce<T> extends KafkaSinkWriter<T> {
    private final KafkaProducer<byte[], byte[]> producer;

    AtLeastOnce(KafkaSink<T> sink, WriterContext context) {
      super(sink, context);
      this.producer = sink.producer(null);
    }

    @Override
    KafkaProducer<byte[], byte[]> current() {
      return producer;
    }

    @Override
    public Object prepareCommit() throws IOException {
      flush(producer);
      return null;
    }

    @Override
    public Object prepareCommit(long checkpointId) throws IOException {
      flush(producer);
      return null;
    }

    @Override
    public void abort() {
      // records already sent stay written (at least once)
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(5));
    }
  }

  /**
   * Exactly once: one transaction per checkpoint, producers from a small pool of transactional ids
   * ({@code <prefix>-<writer>-<n>}); a prepared producer goes back to the pool once committed.
   */
  static final class Transactional<T> extends KafkaSinkWriter<T> {
    /** Producers whose transaction was committed, ready for the next one (filled by the commit thread). */
    private final ConcurrentLinkedQueue<Slot> free = new ConcurrentLinkedQueue<>();
    /** Pool numbers in use (current or prepared), guarded by itself. */
    private final BitSet used = new BitSet();
    private final ArrayDeque<Slot> idle = new ArrayDeque<>();
    private Slot current;
    private boolean wrote;
    private volatile boolean closed;

    private record Slot(int n, String id, KafkaProducer<byte[], byte[]> producer) {}

    Transactional(KafkaSink<T> sink, WriterContext context) throws IOException {
      super(sink, context);
      current = take();
    }

    private Slot take() throws IOException {
      Slot s;
      while ((s = free.poll()) != null) {
        idle.add(s);
      }
      s = idle.poll();
      if (s == null) {
        int n;
        synchronized (used) {
          n = used.nextClearBit(0);
          used.set(n);
        }
        String id = sink.prefix + "-" + context.partition() + "-" + n;
        KafkaProducer<byte[], byte[]> p = sink.producer(id);
        try {
          p.initTransactions();
        } catch (KafkaException e) {
          p.close(Duration.ZERO);
          throw new IOException("cannot start Kafka transactions for " + id + " at " + sink.bootstrap + ": " + e
              + (e instanceof org.apache.kafka.common.errors.TimeoutException ? ": check --kafka / bootstrap servers" : ""), e);
        }
        s = new Slot(n, id, p);
      }
      try {
        s.producer().beginTransaction();
      } catch (KafkaException e) {
        throw failed(e);
      }
      wrote = false;
      return s;
    }

    @Override
    KafkaProducer<byte[], byte[]> current() {
      return current.producer();
    }

    @Override
    public void write(T record) throws IOException {
      super.write(record);
      wrote = true;
    }

    @Override
    public Object prepareCommit(long checkpointId) throws IOException {
      if (!wrote) {
        return null; // nothing to commit: the open transaction goes on
      }
      return seal(true);
    }

    /** End of input: seals the rest; no further transaction is begun (this writer writes no more). */
    @Override
    public Object prepareCommit() throws IOException {
      if (!wrote) {
        return null;
      }
      return seal(false);
    }

    private KafkaCommittable seal(boolean next) throws IOException {
      Slot s = current;
      flush(s.producer());
      ProducerIdAndEpoch pe = Transactions.producerIdAndEpoch(s.producer());
      KafkaCommittable c = new KafkaCommittable(s.id(), pe.producerId, pe.epoch);
      Transactions.LIVE.put(s.id(), new Transactions.Pending(s.producer(), pe.producerId, pe.epoch, () -> release(s)));
      current = null;
      if (next) {
        current = take();
      }
      return c;
    }

    /** Called by the commit thread when {@code s}'s transaction is committed. */
    private void release(Slot s) {
      if (closed) {
        s.producer().close(Duration.ofSeconds(5));
        synchronized (used) {
          used.clear(s.n());
        }
      } else {
        free.add(s);
      }
    }

    @Override
    public void abort() {
      if (current != null) {
        try {
          current.producer().abortTransaction();
        } catch (RuntimeException e) {
          // fenced or broken: closing it below is all that is left
        }
      }
    }

    @Override
    public void close() {
      closed = true;
      if (current != null) {
        try {
          if (wrote) {
            current.producer().abortTransaction();
          }
        } catch (RuntimeException e) {
          // as above
        }
        // Nothing of it is left to send: its transaction was aborted above, or never went beyond the
        // client (begun, nothing written). A graceful close would first try to end that begun
        // transaction with the broker and wait seconds for it.
        current.producer().close(Duration.ZERO);
        current = null;
      }
      Slot s;
      while ((s = free.poll()) != null) {
        idle.add(s);
      }
      while ((s = idle.poll()) != null) {
        s.producer().close(Duration.ofSeconds(5)); // committed, nothing pending: closes at once
      }
    }
  }
}
