/* The syscall floor of a forwarded frame on this machine (docs/benchmarks.md,
 * issue 17): two processes on cores 0 and 1 ping-pong 120 B over loopback
 * TCP (TCP_NODELAY); prints the round trip and one side's CPU per send+recv.
 * cc -O2 harness/floor/pingpong.c -o /tmp/pingpong && /tmp/pingpong */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/resource.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static double cpu(){struct rusage r;getrusage(RUSAGE_SELF,&r);return r.ru_utime.tv_sec+r.ru_utime.tv_usec*1e-6+r.ru_stime.tv_sec+r.ru_stime.tv_usec*1e-6;}
int main(){
  int l=socket(AF_INET,SOCK_STREAM,0); struct sockaddr_in a={0}; a.sin_family=AF_INET; a.sin_addr.s_addr=htonl(0x7f000001);
  bind(l,(void*)&a,sizeof a); listen(l,1); socklen_t al=sizeof a; getsockname(l,(void*)&a,&al);
  int M=20000; char buf[4096]; memset(buf,'x',200);
  if(fork()==0){ cpu_set_t s; CPU_ZERO(&s); CPU_SET(1,&s); sched_setaffinity(0,sizeof s,&s);
    int c=socket(AF_INET,SOCK_STREAM,0); connect(c,(void*)&a,sizeof a); int one=1; setsockopt(c,IPPROTO_TCP,TCP_NODELAY,&one,4);
    for(int i=0;i<M;i++){ if(recv(c,buf,4096,0)<=0)break; send(c,buf,120,0);} _exit(0);}
  cpu_set_t s; CPU_ZERO(&s); CPU_SET(0,&s); sched_setaffinity(0,sizeof s,&s);
  int c=accept(l,0,0); int one=1; setsockopt(c,IPPROTO_TCP,TCP_NODELAY,&one,4);
  double t0=now(), c0=cpu();
  for(int i=0;i<M;i++){ send(c,buf,120,0); recv(c,buf,4096,0);}
  double t1=now(), c1=cpu(); printf("ping-pong cross-core: %.2f us RTT, this side CPU %.2f us per (send+recv)\n",(t1-t0)/M*1e6,(c1-c0)/M*1e6);
  wait(0); return 0;}
