package dev.sluice.core.io;

import dev.sluice.io.InputNotFoundException;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a source's input string to a sorted list of data files: a file, a directory (its regular
 * files, not recursive) or a glob ({@code data/*.txt}, {@code logs/**}{@code /*.gz}). Files and
 * directories whose names start with {@code _} or {@code .} are skipped (Hadoop's hidden-file rule),
 * except a file named explicitly.
 */
public final class InputFiles {
  private static final Logger LOG = LoggerFactory.getLogger(InputFiles.class);
  private InputFiles() {}

  public static List<Path> resolve(String input) throws IOException {
    if (input == null || input.isBlank()) {
      throw new InputNotFoundException("input path is empty; pass a file, a directory or a glob");
    }
    if (isGlob(input)) {
      return glob(input);
    }
    Path path = Paths.get(input);
    if (Files.isRegularFile(path)) {
      return List.of(path);
    }
    if (Files.isDirectory(path)) {
      List<Path> files = new ArrayList<>();
      try (Stream<Path> entries = Files.list(path)) {
        entries.filter(p -> Files.isRegularFile(p) && !hidden(p)).forEach(files::add);
      }
      if (files.isEmpty()) {
        throw new InputNotFoundException("input directory " + path.toAbsolutePath()
            + " contains no data files (names starting with '_' or '.' are ignored, subdirectories"
            + " are not read); check the path, or use a glob such as '" + input + "/**' to read"
            + " subdirectories");
      }
      files.sort(null);
      return files;
    }
    throw new InputNotFoundException("input path " + path.toAbsolutePath() + " does not exist"
        + " or is not readable; check the path and the working directory ("
        + Paths.get("").toAbsolutePath() + ")");
  }

  static boolean isGlob(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == '{') {
        return true;
      }
    }
    return false;
  }

  private static boolean hidden(Path p) {
    String name = p.getFileName().toString();
    return name.startsWith("_") || name.startsWith(".");
  }

  private static List<Path> glob(String input) throws IOException {
    String normalized = input.replace('\\', '/');
    // The base directory is the longest leading run of segments without glob characters.
    String[] segments = normalized.split("/", -1);
    StringBuilder base = new StringBuilder();
    int firstGlob = 0;
    while (firstGlob < segments.length && !isGlob(segments[firstGlob])) {
      base.append(segments[firstGlob]).append('/');
      firstGlob++;
    }
    String pattern = String.join("/", Arrays.copyOfRange(segments, firstGlob, segments.length));
    Path walkRoot = base.length() == 0 ? Paths.get(".") : Paths.get(base.toString());
    if (!Files.isDirectory(walkRoot)) {
      throw new InputNotFoundException("no input files match '" + input + "': directory "
          + walkRoot.toAbsolutePath().normalize() + " does not exist; check the path and the"
          + " working directory (" + Paths.get("").toAbsolutePath() + ")");
    }
    // '**/' matches zero or more directories, as in shells with globstar.
    PathMatcher exact = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
    PathMatcher collapsed = FileSystems.getDefault().getPathMatcher("glob:" + pattern.replace("**/", ""));
    List<Path> files = new ArrayList<>();
    int depth = pattern.contains("**") ? Integer.MAX_VALUE : pattern.split("/").length;
    boolean relative = base.length() == 0;
    Files.walkFileTree(walkRoot, EnumSet.noneOf(FileVisitOption.class), depth,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            // Hidden and staging directories (.git, _temporary) are not descended into.
            return !dir.equals(walkRoot) && hidden(dir) ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            boolean regular = attrs.isRegularFile()
                || attrs.isSymbolicLink() && Files.isRegularFile(file); // links to files count
            if (regular && !hidden(file)) {
              Path rel = walkRoot.relativize(file);
              if (exact.matches(rel) || collapsed.matches(rel)) {
                files.add(relative ? rel : file);
              }
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            LOG.warn("skipping unreadable {} while matching '{}': {}", file, input, e.toString());
            return FileVisitResult.CONTINUE;
          }
        });
    if (files.isEmpty()) {
      throw new InputNotFoundException("no input files match glob '" + input + "' (searched under "
          + walkRoot.toAbsolutePath().normalize() + "; names starting with '_' or '.' are ignored);"
          + " check the pattern and the working directory (" + Paths.get("").toAbsolutePath() + ")");
    }
    files.sort(null);
    return files;
  }
}
