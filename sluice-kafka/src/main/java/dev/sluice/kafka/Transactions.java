package dev.sluice.kafka;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;

/**
 * The transaction plumbing of {@link KafkaSink}'s exactly-once mode.
 *
 * <p>Design note. A checkpoint's transactions are prepared (flushed) by the writers and committed
 * later by {@code Sink.commit} on the checkpoint I/O thread. In the same process the live producer is
 * found in {@link #LIVE} and commits. After a crash the committable's transaction must be committed by
 * a new producer: kafka-clients 4.3.1 has no public two-phase-commit API yet (KIP-939's
 * {@code initTransactions(keepPreparedTxn)}/{@code completeTransaction} are not in {@code KafkaProducer};
 * only parts of it are inside {@code TransactionManager}), so, like Flink's KafkaSink, a fresh producer
 * with the same transactional id is put into the "in transaction" state with the recorded producer id
 * and epoch through reflection on its {@code TransactionManager}, then {@code commitTransaction} sends
 * the EndTxn request for that id, producer id and epoch. Calling {@code initTransactions} instead would
 * abort the transaction.
 */
final class Transactions {
  /** Live producers whose transaction is prepared and awaits its commit, by transactional id. */
  static final Map<String, Pending> LIVE = new ConcurrentHashMap<>();

  /**
   * Producers whose transaction this process committed, per sink prefix, waiting to go back to their
   * writer's pool until the sink's next commit call: only then has a later checkpoint completed, so
   * no restore can present the committed transaction again while its id already runs a new one (a
   * resumed commit for an id that moved on could otherwise end the wrong transaction).
   */
  static final Map<String, java.util.List<Runnable>> DEFERRED = new ConcurrentHashMap<>();

  /**
   * Transactions committed by this process ({@code id/producerId/epoch}), so a repeated commit (the
   * end-of-input commit repeats the last checkpoint's) does not resume a finished transaction.
   */
  static final Map<String, Boolean> COMMITTED = new ConcurrentHashMap<>();

  static String key(KafkaCommittable c) {
    return c.transactionalId() + "/" + c.producerId() + "/" + c.epoch();
  }

  static void committed(KafkaCommittable c) {
    if (COMMITTED.size() > 100_000) {
      COMMITTED.clear();
    }
    COMMITTED.put(key(c), Boolean.TRUE);
  }

  /** A prepared transaction and the writer pool it goes back to once committed. */
  record Pending(KafkaProducer<byte[], byte[]> producer, long producerId, short epoch, Runnable release) {}

  private Transactions() {}

  static Object transactionManager(KafkaProducer<?, ?> producer) {
    try {
      Field f = KafkaProducer.class.getDeclaredField("transactionManager");
      f.setAccessible(true);
      return f.get(producer);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this kafka-clients version has no KafkaProducer.transactionManager: " + e, e);
    }
  }

  static ProducerIdAndEpoch producerIdAndEpoch(KafkaProducer<?, ?> producer) {
    Object tm = transactionManager(producer);
    try {
      Field f = tm.getClass().getDeclaredField("producerIdAndEpoch");
      f.setAccessible(true);
      return (ProducerIdAndEpoch) f.get(tm);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot read the producer id and epoch: " + e, e);
    }
  }

  /**
   * Puts a new producer (initTransactions not called) into the prepared transaction of its
   * transactional id, so that {@code commitTransaction} commits it, leaving the epoch as it is.
   *
   * <p>The producer's view of the cluster's transaction version is frozen as "not known": it sends a
   * version 1 EndTxn, after which the broker keeps the epoch. Otherwise, if its background connection
   * had brought the broker's features (transaction.version 2) in before the commit, kafka-clients
   * bumped the epoch itself right after the EndTxn (InitProducerId, a "client-side epoch bump"), so
   * whether a resumed commit moved the epoch depended on timing, and the rules that tell a committed
   * transaction from an aborted one by its epoch ({@code KafkaSink.stillOpen}) misjudged it
   * ({@code KafkaSinkCommitTest.aResumedCommitLeavesTheEpochAlsoWhenTheProducerKnowsTheTransactionVersion}).
   */
  static void resume(KafkaProducer<?, ?> producer, long producerId, short epoch) {
    Object tm = transactionManager(producer);
    try {
      synchronized (tm) {
        Class<?> c = tm.getClass();
        @SuppressWarnings({"unchecked", "rawtypes"})
        Class<Enum> state = (Class<Enum>) Class.forName(c.getName() + "$State");
        Method transitionTo = c.getDeclaredMethod("transitionTo", state);
        transitionTo.setAccessible(true);
        transitionTo.invoke(tm, Enum.valueOf(state, "INITIALIZING"));
        Field pe = c.getDeclaredField("producerIdAndEpoch");
        pe.setAccessible(true);
        pe.set(tm, new ProducerIdAndEpoch(producerId, epoch));
        transitionTo.invoke(tm, Enum.valueOf(state, "READY"));
        transitionTo.invoke(tm, Enum.valueOf(state, "IN_TRANSACTION"));
        Field started = c.getDeclaredField("transactionStarted");
        started.setAccessible(true);
        started.setBoolean(tm, true);
        Field v2 = c.getDeclaredField("isTransactionV2Enabled");
        v2.setAccessible(true);
        v2.setBoolean(tm, false);
        Field featuresEpoch = c.getDeclaredField("latestFinalizedFeaturesEpoch");
        featuresEpoch.setAccessible(true);
        featuresEpoch.setLong(tm, Long.MAX_VALUE); // maybeUpdateTransactionV2Enabled: nothing newer
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot resume Kafka transaction of producer id " + producerId
          + " with this kafka-clients version: " + e, e);
    }
  }
}
