# scripts/package runs this (perl -pi) over every page swift-argument-parser's generate-manual writes,
# for Debian's man-db and lintian:
# - a subcommand's page is tokencert-status, not tokencert.status: its .Dt title and .Xr references;
# - NAME says `.Nm tokencert-status` (what whatis/lexgrog read), the SYNOPSIS keeps the command as typed;
# - `.Nd "…"` loses its quotes (whatis would show them);
# - a blank line (a paragraph break in a --help discussion) becomes `.Pp`, as mdoc wants.
our $cmd;
if (/^\.Nm "([^"]+)"$/ && !defined $cmd) { $cmd = $1; (my $n = $1) =~ tr/ /-/; $_ = ".Nm $n\n"; }
elsif (/^\.Nm$/ && defined $cmd) { $_ = ".Nm \"$cmd\"\n"; }
s/^\.Nd "(.*)"$/.Nd $1/;
s/^\s*$/.Pp\n/;
s/^(\.Dt\s+)(\S+)/$1 . ($2 =~ tr|.|-|r)/e;
s/^(\.Xr\s+)(\S+)/$1 . ($2 =~ tr|.|-|r)/e;
