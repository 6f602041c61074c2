# The fake firmware's behaviour (see EdgeBci.Firmware beside it). Arguments: behaviour, slot folder.
use strict;
use warnings;
use IO::Socket::UNIX;
use Socket qw(SOCK_DGRAM);
use POSIX qw(strftime);
use Time::HiRes qw(sleep time);

$| = 1;

my ($behaviour, $slot_dir) = @ARGV;
my $state_dir = $ENV{EDGEBCI_Release__StateFolder} // '/var/lib/edgebci/release';
my $hold = $ENV{EDGEBCI_Release__HealthHoldSeconds} // 60;
my ($slot) = $slot_dir =~ m{/([ab])$};

sub notify {
    my $path = $ENV{NOTIFY_SOCKET} or return;
    $path =~ s/^@/\0/;
    my $socket = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Peer => $path) or die "notify socket $path: $!\n";
    $socket->send($_[0]);
    close $socket;
}

sub value_of {
    my ($file, $key) = @_;
    open my $in, '<', $file or return '';
    while (<$in>) { chomp; return $1 if /^\Q$key\E[= ](.*)$/; }
    return '';
}

sub write_atomically {
    my ($name, $text) = @_;
    my $temp = "$state_dir/.$name.fake.$$";
    open my $out, '>', $temp or die "$temp: $!\n";
    print $out $text;
    close $out;
    rename $temp, "$state_dir/$name" or die "rename $temp: $!\n";
}

sub now { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime) }

my $version = value_of("$slot_dir/manifest.txt", 'version');
notify("READY=1\nSTATUS=fake firmware $version ($behaviour)");
print "fake firmware $version in slot ", ($slot // '?'), ": $behaviour\n";
if ($behaviour eq 'crash') {
    print STDERR "fake firmware: crashing at start as asked\n";
    exit 1;
}
my $started = time;
my $decided = 0;
while (1) {
    notify('WATCHDOG=1');
    sleep 0.5;
    my $elapsed = time - $started;
    if ($behaviour eq 'unhealthy' && $elapsed >= 1) {
        write_atomically('health', "at=" . now() . "\nhealthy=no\nreason=fake firmware: no frames from the ADS1299\n");
        print STDERR "fake firmware: not healthy, exiting 7\n";
        exit 7;
    }
    if ($behaviour eq 'healthy' && $elapsed >= $hold && !$decided) {
        $decided = 1;
        if (value_of("$state_dir/state", 'state') eq 'trial' && value_of("$state_dir/state", 'slot') eq ($slot // '')) {
            write_atomically('good', "slot=$slot\nversion=$version\nat=" . now() . "\n");
            print "fake firmware: healthy for $hold s, wrote good\n";
        }
    }
}
