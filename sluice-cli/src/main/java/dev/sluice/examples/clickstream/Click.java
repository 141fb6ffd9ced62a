package dev.sluice.examples.clickstream;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Objects;

/**
 * One click of the clickstream demo: a user, in one of the user's sessions, did {@code action} on
 * {@code page} at {@code eventTime} (epoch milliseconds). As JSON (Kafka, {@code --dump-events}):
 * {@code {"userId":"u42","sessionId":"s1x3","page":"/product/17","action":"view","eventTime":1767225600000}}.
 */
public record Click(String userId, String sessionId, String page, String action, long eventTime)
    implements Serializable {

  /**
   * The order in which the clicks of one session are taken to compute dwell times: event time, ties
   * broken by page and action, so equal timestamps give the same result whatever the arrival order.
   */
  public static final Comparator<Click> SESSION_ORDER = Comparator.comparingLong(Click::eventTime)
      .thenComparing(Click::page).thenComparing(Click::action);

  public Click {
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(page, "page");
    Objects.requireNonNull(action, "action");
  }

  /** The key the dwell computation groups by: user and session. */
  public String sessionKey() {
    return userId + '\u0000' + sessionId;
  }
}
