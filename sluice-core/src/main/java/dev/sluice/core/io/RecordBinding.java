package dev.sluice.core.io;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;

/**
 * Binds CSV columns to the components of a record class by name (exact match first, then ignoring
 * case) and converts the text of each field. Empty fields become null for boxed and reference types
 * and are errors for primitives. Whitespace around non-String values is ignored.
 */
final class RecordBinding {
  /** Converts one field's text. */
  @FunctionalInterface
  interface Converter {
    Object convert(String text) throws Exception;
  }

  private final Constructor<?> constructor;
  private final String[] names;
  private final Class<?>[] types;
  private final int[] columns;
  private final Converter[] converters;

  private RecordBinding(Constructor<?> constructor, String[] names, Class<?>[] types, int[] columns,
      Converter[] converters) {
    this.constructor = constructor;
    this.names = names;
    this.types = types;
    this.columns = columns;
    this.converters = converters;
  }

  static void checkSupported(Class<? extends Record> type) {
    if (!type.isRecord()) {
      throw new IllegalArgumentException(type.getName() + " is not a record class");
    }
    for (RecordComponent c : type.getRecordComponents()) {
      if (converter(c.getType()) == null) {
        throw new IllegalArgumentException("record " + type.getSimpleName() + " component '"
            + c.getName() + "' has type " + c.getType().getName() + ", which CSV cannot convert;"
            + " supported: String, int, long, double, float, short, boolean (and boxed), BigDecimal,"
            + " LocalDate (ISO), enums");
      }
    }
  }

  static RecordBinding bind(Class<? extends Record> type, String[] header, Path file) {
    RecordComponent[] components = type.getRecordComponents();
    int n = components.length;
    String[] names = new String[n];
    Class<?>[] types = new Class<?>[n];
    int[] columns = new int[n];
    Converter[] converters = new Converter[n];
    for (int i = 0; i < n; i++) {
      names[i] = components[i].getName();
      types[i] = components[i].getType();
      converters[i] = converter(types[i]);
      columns[i] = column(header, names[i]);
      if (columns[i] < 0) {
        throw new IllegalArgumentException("CSV file " + file + " has no column '" + names[i]
            + "' for component " + type.getSimpleName() + "." + names[i] + "; its header is ["
            + String.join(",", header) + "]; rename the column or the record component");
      }
    }
    try {
      Constructor<?> ctor = type.getDeclaredConstructor(types);
      ctor.setAccessible(true);
      return new RecordBinding(ctor, names, types, columns, converters);
    } catch (NoSuchMethodException | RuntimeException e) {
      throw new IllegalArgumentException("cannot use the canonical constructor of " + type.getName()
          + ": " + e.getMessage(), e);
    }
  }

  private static int column(String[] header, String name) {
    for (int i = 0; i < header.length; i++) {
      if (header[i].equals(name)) {
        return i;
      }
    }
    for (int i = 0; i < header.length; i++) {
      if (header[i].equalsIgnoreCase(name)) {
        return i;
      }
    }
    return -1;
  }

  Object create(String[] fields) throws Exception {
    Object[] args = new Object[converters.length];
    for (int i = 0; i < args.length; i++) {
      String text = fields[columns[i]];
      try {
        if (types[i] != String.class) {
          text = text.strip();
          if (text.isEmpty()) {
            if (types[i].isPrimitive()) {
              throw new IllegalArgumentException("empty value");
            }
            args[i] = null;
            continue;
          }
        }
        args[i] = converters[i].convert(text);
      } catch (Exception e) {
        // NumberFormatException only repeats the value; other messages say what was expected.
        String why = e instanceof NumberFormatException || e.getMessage() == null
            ? "" : " (" + e.getMessage() + ")";
        throw new IllegalArgumentException("column '" + names[i] + "': cannot convert \"" + text
            + "\" to " + types[i].getSimpleName() + why, e);
      }
    }
    try {
      return constructor.newInstance(args);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      throw cause instanceof Exception ex ? ex : e;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Converter converter(Class<?> t) {
    if (t == String.class) {
      return s -> s;
    }
    if (t == int.class || t == Integer.class) {
      return Integer::valueOf;
    }
    if (t == long.class || t == Long.class) {
      return Long::valueOf;
    }
    if (t == double.class || t == Double.class) {
      return Double::valueOf;
    }
    if (t == float.class || t == Float.class) {
      return Float::valueOf;
    }
    if (t == short.class || t == Short.class) {
      return Short::valueOf;
    }
    if (t == boolean.class || t == Boolean.class) {
      return s -> {
        if (s.equalsIgnoreCase("true")) {
          return Boolean.TRUE;
        }
        if (s.equalsIgnoreCase("false")) {
          return Boolean.FALSE;
        }
        throw new IllegalArgumentException("expected true or false");
      };
    }
    if (t == BigDecimal.class) {
      return BigDecimal::new;
    }
    if (t == LocalDate.class) {
      return LocalDate::parse;
    }
    if (t.isEnum()) {
      Class<? extends Enum> e = (Class<? extends Enum>) t;
      return s -> {
        for (Object constant : e.getEnumConstants()) {
          if (((Enum<?>) constant).name().equals(s)) {
            return constant;
          }
        }
        for (Object constant : e.getEnumConstants()) {
          if (((Enum<?>) constant).name().equalsIgnoreCase(s)) {
            return constant;
          }
        }
        throw new IllegalArgumentException("not one of " + java.util.Arrays.toString(e.getEnumConstants()));
      };
    }
    return null;
  }

}
