package dev.sluice.core.runtime;

/** A user function threw; carries which operator it was. */
final class UserFunctionException extends RuntimeException {
  final String operator;

  UserFunctionException(String operator, Throwable cause) {
    super(operator + " threw " + cause, cause, false, false);
    this.operator = operator;
  }
}
